/** Text rendering of federation relationships (`sigil bundle list`, `sigil bundle history`). */
import type { RelationshipView } from '../federation/relationships.js'
import type { ForeignBundleVersion } from '../store/foreign-bundle-store.js'

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : 'never')
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** One paragraph per relationship. */
export function relationshipsText(views: readonly RelationshipView[]): string {
  if (views.length === 0) return 'no federation relationships (declare kind: FederationBundle in Git)\n'
  return views
    .map((v) => {
      const lines = [`${v.trustDomain}  (FederationBundle/${v.name})`]
      lines.push(
        v.endpointUrl === ''
          ? `  endpoint: none, pinned bundle only`
          : `  endpoint: ${v.endpointUrl} (${v.profile}${v.endpointSpiffeId ? `, ${v.endpointSpiffeId}` : ''})`,
      )
      lines.push(
        v.delivering === 'none'
          ? `  delivering: nothing yet${v.endpointUrl !== '' && !v.pinned ? ' (no fetch succeeded and no pinned bundle)' : ''}`
          : `  delivering: ${v.delivering} bundle, sequence ${v.sequence ?? 0} ` +
              `(${plural(v.x509Authorities, 'X.509 authority').replace('authoritys', 'authorities')}, ${plural(v.jwtAuthorities, 'JWT key')})` +
              (v.versions > 0 ? `, ${plural(v.versions, 'version')} stored` : ''),
      )
      if (v.endpointUrl !== '') {
        lines.push(
          `  last fetch: ${iso(v.lastAttemptAtMs)}${v.lastAttemptAtMs > 0 ? (v.lastError === '' ? ' ok' : ' failed') : ''}` +
            `  last success: ${iso(v.lastSuccessAtMs)}  next: ${iso(v.nextAttemptAtMs)}`,
        )
        if (v.lastError !== '')
          lines.push(`  error: ${v.lastError} (${plural(v.consecutiveFailures, 'failure')} in a row)`)
      }
      return lines.join('\n') + '\n'
    })
    .join('')
}

/** One line per stored version, newest first. */
export function historyText(trustDomain: string, versions: readonly ForeignBundleVersion[]): string {
  if (versions.length === 0) return `no fetched bundle versions of ${trustDomain}\n`
  return versions
    .map(
      (v) =>
        `${iso(v.fetchedAtMs)}  sequence ${v.sequence}  sha256:${v.digest.slice(0, 16)}  ${v.endpointUrl}\n`,
    )
    .join('')
}

/** The federation lines of `sigil status`: how many relationships, and each failing one. */
export function federationStatusText(views: readonly RelationshipView[]): string {
  const failing = views.filter((v) => v.lastError !== '')
  return (
    `federation: ${plural(views.length, 'relationship')}, ${failing.length} failing\n` +
    failing
      .map(
        (v) =>
          `  ${v.trustDomain}  ${v.consecutiveFailures} failed fetches; delivering ${v.delivering}` +
          ` (sequence ${v.sequence ?? '-'}); last success ${iso(v.lastSuccessAtMs)}\n    ${v.lastError}\n`,
      )
      .join('')
  )
}
