import type { RegistrationStore } from '../../engine/store/registration-store.js'

/**
 * Makes the next call to `method` (or to any method) of `store` reject with `err`, once (SPIRE's
 * fakedatastore `SetNextError`). The store stays real: every other call goes through.
 */
export function failNext<S extends RegistrationStore>(
  store: S,
  err: Error,
  method?: keyof RegistrationStore,
): S {
  let armed = true
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (armed && (method === undefined || prop === method)) {
          armed = false
          return Promise.reject(err)
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}
