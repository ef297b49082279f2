import { Writable } from 'node:stream';
import type { z } from 'zod';
import { destinationModules, destinationTypes, type Destination } from '../../src/destinations';
import { publicDestination } from '../../src/destinations/redaction';
import { createLogger } from '../../src/logger';

/** Field names that look like credentials. Each must be secret or masked, or named here as not one. */
const credentialLike = /pass|secret|key|token|sas|credential|signature/i;
/**
 * `savedKey` names a stored key (POST /sftpkeys); the key itself never travels in a request.
 * `hostKeyFingerprint` is the digest of the server's public host key: public by nature.
 */
const notSecret = new Set(['savedKey', 'hostKeyFingerprint']);

const fieldsOf = (type: keyof typeof destinationModules): string[] =>
  Object.keys((destinationModules[type].schema as unknown as z.ZodObject).shape);

/** A destination of this type with every field set to a value that names it. */
const sampleOf = (type: keyof typeof destinationModules): Record<string, string> =>
  Object.fromEntries(
    fieldsOf(type).map((field) => [field, field === 'type' ? type : `VALUE-OF-${field}-1234`]),
  );

describe('destination modules: one place per destination, secrets derived from it', () => {
  it.each(destinationTypes)('%s: every credential-like field is declared secret or masked', (type) => {
    const module = destinationModules[type];
    const declared = new Set<string>([...module.secretFields, ...(module.maskedFields ?? [])]);
    const undeclared = fieldsOf(type).filter(
      (field) => credentialLike.test(field) && !declared.has(field) && !notSecret.has(field),
    );
    expect(undeclared).toEqual([]);
    for (const field of declared) expect(fieldsOf(type)).toContain(field);
  });

  it.each(destinationTypes)('%s: the public view drops secret fields and masks masked ones', (type) => {
    const module = destinationModules[type];
    const sample = sampleOf(type);
    const shown = publicDestination(sample as unknown as Destination);
    for (const field of module.secretFields) {
      expect(shown).not.toHaveProperty(field);
      expect(JSON.stringify(shown)).not.toContain(sample[field]);
    }
    for (const field of module.maskedFields ?? []) expect(shown[field]).toBe('****1234');
    expect(shown.type).toBe(type);
  });

  it.each(destinationTypes)(
    '%s: log lines redact its secret fields wherever a destination is logged',
    (type) => {
      const module = destinationModules[type];
      const sample = sampleOf(type);
      let logged = '';
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString('utf8');
          done();
        },
      });
      const logger = createLogger('test', 'info', sink);
      logger.info({ destination: sample }, 'a destination');
      logger.info({ request: { destination: sample } }, 'a request');
      logger.info({ input: { request: { destination: sample } } }, 'a job input');
      for (const field of module.secretFields) expect(logged).not.toContain(sample[field]);
      expect(logged).toContain('"type"');
    },
  );

  it.each(destinationTypes)('%s: its delivery retries are bounded', (type) => {
    const { retry } = destinationModules[type];
    expect(retry.maximumAttempts).toBeGreaterThan(0);
    expect(retry.maximumInterval).toBeDefined();
  });
});
