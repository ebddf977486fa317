/** The URL rule of SPIFFE bundle endpoints (spiffe-reference §4.3–4.4), shared by lint and the fetcher. */

/** Why `url` cannot be a bundle endpoint URL (https, no user info), or the parsed URL. */
export function parseEndpointUrl(url: string): URL | string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (parsed.protocol !== 'https:') return 'the scheme must be https'
  if (parsed.username !== '' || parsed.password !== '') return 'the URL must not carry user info'
  return parsed
}
