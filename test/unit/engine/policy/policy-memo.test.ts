import { describe, expect, it } from 'vitest'
import { repositoryUse } from '../../../../engine/policy/policy-memo.js'

describe('repositoryUse', () => {
  it.each([
    ['size(object.spec.selectors) >= 2', 'none'],
    ['size(repository.entries[object.metadata.name].redundantRoles) == 0', 'own-entry'],
    ['repository . entries [ object.metadata.name ].x509SVIDTTLSeconds < 7200', 'own-entry'],
    // reads the facts of other entries, or the whole map
    ['object.metadata.name in repository.usedRoles', 'any'],
    ['size(repository.entries) < 10', 'any'],
    ['repository.entries["web"].scopes.size() == 0', 'any'],
    ['repository.entries[object.metadata.name].roles.size() > 0 && size(repository.entries) > 1', 'any'],
    // `object` rebound by a macro no longer names the matched object
    [
      '[{"metadata": {"name": "web"}}].all(object, repository.entries[object.metadata.name].roles.size() > 0)',
      'any',
    ],
    ['"repository" != ""', 'any'],
  ])('%s reads %s', (expression, use) => {
    expect(repositoryUse(expression)).toBe(use)
  })
})
