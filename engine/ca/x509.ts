/** @peculiar/x509 with its prerequisites: the Reflect metadata polyfill and Node's WebCrypto. Import it from here. */
import './reflect-metadata.js'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export { x509 }
