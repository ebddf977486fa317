/** DNS SAN rules of SPIRE (spiffe-reference §6.3): ASCII, one leading `*.` at most, no trailing dot, strict labels. */

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const PLAIN_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const HYPHENS_3_4 = /(?:^|\.)[^.]{2}--/

/** Why `name` is not a valid DNS name for an X509-SVID, or `undefined` when it is. */
export function dnsNameProblem(name: string): string | undefined {
  // the common case in one regex; anything else gets the detailed checks below
  if (name.length <= 253 && PLAIN_NAME.test(name) && !HYPHENS_3_4.test(name)) return undefined
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(name)) return 'must be ASCII (write internationalised names as xn-- labels)'
  if (name.endsWith('.')) return 'must not end with a dot'
  if (name.length > 253) return 'must be at most 253 characters'
  const labels = name.split('.')
  const first = labels[0] === '*' ? 1 : 0
  if (first === 1 && labels.length < 3) return 'a wildcard needs at least two labels after "*."'
  for (let i = first; i < labels.length; i++) {
    const label = labels[i] as string
    if (label === '') return 'must not contain empty labels'
    if (label.includes('*')) return 'may use "*" only as the whole first label'
    if (label.length > 63) return `label "${label}" is longer than 63 characters`
    if (!LABEL.test(label)) return `label "${label}" may contain only letters, digits and inner hyphens`
    if (label.slice(2, 4) === '--' && !/^xn--/i.test(label))
      return `label "${label}" has hyphens in the third and fourth positions`
  }
  return undefined
}
