import { describe, expect, it } from 'vitest'
import {
  DEFAULT_WORKLOAD_SOCKET,
  parseEndpointAddress,
  resolveEndpointAddress,
} from '../../../../agent/workload-api/endpoint-address.js'

describe('parseEndpointAddress', () => {
  it.each([
    ['unix:///run/agent.sock', { kind: 'unix', path: '/run/agent.sock', target: 'unix:/run/agent.sock' }],
    ['unix:/run/agent.sock', { kind: 'unix', path: '/run/agent.sock', target: 'unix:/run/agent.sock' }],
    ['tcp://127.0.0.1:8000', { kind: 'tcp', host: '127.0.0.1', port: 8000, target: 'ipv4:127.0.0.1:8000' }],
    ['tcp://[::1]:8000', { kind: 'tcp', host: '::1', port: 8000, target: 'ipv6:[::1]:8000' }],
  ])('accepts %s', (address, expected) => {
    expect(parseEndpointAddress(address)).toEqual(expected)
  })

  it.each([
    'unix:rel/path',
    'unix://host/path',
    'unix:///p?x=1',
    'unix:///p#f',
    'unix://user@/p',
    'unix:///',
    'tcp://127.0.0.1:8000/foo',
    'tcp://localhost:8000',
    'tcp://127.0.0.1',
    'http://127.0.0.1:80',
    '/not/a/uri',
  ])('rejects %s', (address) => {
    expect(() => parseEndpointAddress(address)).toThrow(
      expect.objectContaining({ code: 'ERR_WORKLOAD_INVALID_ARGUMENT' }),
    )
  })

  it('prefers --socket, then SPIFFE_ENDPOINT_SOCKET, then the default; a bare path is a unix socket', () => {
    expect(resolveEndpointAddress('/a.sock', 'unix:///b.sock')).toMatchObject({ path: '/a.sock' })
    expect(resolveEndpointAddress(undefined, 'unix:///b.sock')).toMatchObject({ path: '/b.sock' })
    expect(resolveEndpointAddress(undefined, undefined)).toMatchObject({ path: DEFAULT_WORKLOAD_SOCKET })
  })
})
