import { describe, expect, it } from 'vitest'
import { parsePostgresUrl } from '../../../../../engine/store/postgres/database.js'

describe('parsePostgresUrl', () => {
  it('keeps credentials for the driver and strips them from the location', () => {
    const t = parsePostgresUrl('postgres://sigil:s3cret@db.internal:5432/sigil?schema=ids&sslmode=require')
    expect(t.schema).toBe('ids')
    expect(t.connectionString).toBe('postgres://sigil:s3cret@db.internal:5432/sigil?sslmode=require')
    expect(t.location).toBe('postgres://db.internal:5432/sigil?sslmode=require&schema=ids')
    expect(t.location).not.toContain('s3cret')
    expect(parsePostgresUrl('postgresql://u@h/db')).toMatchObject({
      schema: 'public',
      location: 'postgresql://h/db',
    })
  })

  it('refuses schema names that are not plain identifiers, and other URLs', () => {
    expect(() => parsePostgresUrl('postgres://h/db?schema=a;drop')).toThrow(TypeError)
    expect(() => parsePostgresUrl('postgres://h/db?schema=Upper')).toThrow(TypeError)
    expect(() => parsePostgresUrl('mysql://h/db')).toThrow(TypeError)
  })
})
