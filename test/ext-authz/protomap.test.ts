import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envoyProtos } from '../../src/ext-authz/envoy-protos.ts';
import { protomap } from '../../src/ext-authz/protomap.ts';

/**
 * The CheckRequest as opa-envoy-plugin renders it for the policy (envoyauth/protomap.go), with the
 * request of its own protomap_test.go (opa-envoy-plugin@07a1fd15): JSON names, only populated
 * fields, a Struct as plain JSON, 64-bit integers as numbers, enums as numbers, bytes as base64.
 */
describe('protomap', () => {
  const { CheckRequest } = envoyProtos();
  const wire = (o: Record<string, unknown>) => CheckRequest.decode(CheckRequest.encode(CheckRequest.fromObject(o)).finish());

  it('renders opa-envoy-plugin\'s protomap_test.go request as that test expects', () => {
    const req = wire({
      attributes: {
        source: { address: { socket_address: { address: '127.0.0.1' } }, service: 'dummy', labels: { foo: 'bar' } },
        metadata_context: { filter_metadata: { dummy: { fields: { hello: { stringValue: 'world' }, count: { numberValue: 1 } } } } },
        context_extensions: { hello: 'world' },
        request: {
          http: {
            id: '13359530607844510314', method: 'GET',
            headers: { ':authority': '192.168.99.100:31380', ':method': 'GET', ':path': '/api/v1/products', accept: '*/*' },
            path: '/api/v1/products', host: '192.168.99.100:31380', protocol: 'HTTP/1.1', body: '{"firstname": "foo", "lastname": "bar"}',
          },
        },
      },
    });
    assert.deepEqual(protomap(req, CheckRequest), {
      attributes: {
        source: { service: 'dummy', labels: { foo: 'bar' }, address: { socketAddress: { address: '127.0.0.1' } } },
        metadataContext: { filterMetadata: { dummy: { hello: 'world', count: 1 } } },
        contextExtensions: { hello: 'world' },
        request: {
          http: {
            id: '13359530607844510314', method: 'GET', path: '/api/v1/products', host: '192.168.99.100:31380', protocol: 'HTTP/1.1',
            body: '{"firstname": "foo", "lastname": "bar"}',
            headers: { ':authority': '192.168.99.100:31380', ':method': 'GET', ':path': '/api/v1/products', accept: '*/*' },
          },
        },
      },
    });
  });

  it('leaves out zero values (but not a oneof member set to zero), keeps 64-bit sizes as numbers, times as seconds and nanos, enums as numbers, bytes as base64', () => {
    const req = wire({
      attributes: {
        source: { address: { socket_address: { address: '10.0.0.1', port_value: 0, protocol: 'UDP' } } },
        request: { time: { seconds: 1700000000, nanos: 5 }, http: { method: 'POST', size: 41, raw_body: Buffer.from('hi'), body: '' } },
      },
    });
    assert.deepEqual(protomap(req, CheckRequest), {
      attributes: {
        source: { address: { socketAddress: { address: '10.0.0.1', portValue: 0, protocol: 1 } } },
        request: { time: { seconds: 1700000000, nanos: 5 }, http: { method: 'POST', size: 41, rawBody: 'aGk=' } },
      },
    });
  });
});
