// Start-up configuration: defaults, and a bad setting named in the error.
import { ConfigError, loadConfig } from '../../config';

test('defaults give the embedded setup', () => {
  const c = loadConfig({});
  expect(c).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', TEMPORAL_RETENTION_DAYS: 30 });
  expect(c.TEMPORAL_ADDRESS).toBeUndefined();
});

test('every bad setting is named, and empty values count as unset', () => {
  let error: unknown;
  try {
    loadConfig({ PORT: 'eighty', TEMPORAL_ADDRESS: 'no-port', AUTH_JWT_SECRET: 'short', SMTP_URL: '' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
  expect(variables).toEqual(['AUTH_JWT_SECRET', 'PORT', 'TEMPORAL_ADDRESS']);
  expect((error as Error).message).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
});

test('a webhook URL needs its secret', () => {
  expect(() => loadConfig({ WEBHOOK_URL: 'https://cms.example/hooks' })).toThrow(/WEBHOOK_SECRET/);
});
