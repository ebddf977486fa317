/**
 * The few `Reflect` metadata functions tsyringe (a dependency of @peculiar/x509) checks for at load
 * time. @peculiar/x509 expects the application to provide them (it develops against
 * @abraham/reflection, which is not installed here); this is that polyfill, installed only when absent.
 */
type Target = object
type MetadataMap = Map<unknown, unknown>

const store = new WeakMap<Target, Map<string | symbol | undefined, MetadataMap>>()

function metadataMap(
  target: Target,
  property: string | symbol | undefined,
  create: boolean,
): MetadataMap | undefined {
  let byProperty = store.get(target)
  if (!byProperty) {
    if (!create) return undefined
    byProperty = new Map()
    store.set(target, byProperty)
  }
  let map = byProperty.get(property)
  if (!map && create) {
    map = new Map()
    byProperty.set(property, map)
  }
  return map
}

const api = {
  defineMetadata(key: unknown, value: unknown, target: Target, property?: string | symbol): void {
    ;(metadataMap(target, property, true) as MetadataMap).set(key, value)
  },
  getOwnMetadata(key: unknown, target: Target, property?: string | symbol): unknown {
    return metadataMap(target, property, false)?.get(key)
  },
  hasOwnMetadata(key: unknown, target: Target, property?: string | symbol): boolean {
    return metadataMap(target, property, false)?.has(key) ?? false
  },
  getMetadata(key: unknown, target: Target, property?: string | symbol): unknown {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const map = metadataMap(t, property, false)
      if (map?.has(key)) return map.get(key)
    }
    return undefined
  },
  hasMetadata(key: unknown, target: Target, property?: string | symbol): boolean {
    return api.getMetadata(key, target, property) !== undefined
  },
  metadata(key: unknown, value: unknown) {
    return (target: Target, property?: string | symbol) => api.defineMetadata(key, value, target, property)
  },
}

const reflect = Reflect as unknown as Record<string, unknown>
if (typeof reflect['getMetadata'] !== 'function') {
  for (const [name, fn] of Object.entries(api)) reflect[name] = fn
}
