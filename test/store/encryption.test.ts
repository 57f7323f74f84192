import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createSealer, loadEncryptionKey } from '../../src/store/encryption.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadstage-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('when no encryption key is configured', () => {
  it('should generate one key file readable by its owner only and reuse it', async () => {
    const first = await loadEncryptionKey({ dataDir: dir });
    const second = await loadEncryptionKey({ dataDir: dir });
    expect(first.length).toBe(32);
    expect(second.equals(first)).toBe(true);
    expect((await stat(join(dir, 'encryption.key'))).mode & 0o777).toBe(0o600);
    expect(
      Buffer.from((await readFile(join(dir, 'encryption.key'), 'utf8')).trim(), 'base64').equals(first),
    ).toBe(true);
  });

  it('should give concurrent first starts the same key', async () => {
    const keys = await Promise.all([1, 2, 3].map(() => loadEncryptionKey({ dataDir: dir })));
    expect(keys.every((k) => k.equals(keys[0]!))).toBe(true);
  });
});

describe('when a key is configured', () => {
  it('should refuse a key of the wrong length without echoing it', async () => {
    const short = Buffer.from('too-short-key-value').toString('base64');
    const err = await loadEncryptionKey({ dataDir: dir, encryptionKey: short }).catch(
      (e: unknown) => e as Error,
    );
    expect((err as Error).message).toBe('LEADSTAGE_ENCRYPTION_KEY must be 32 bytes in base64, got 19 bytes');
  });

  it('should seal with a fresh IV each time and open only with the same key and context', () => {
    const key = Buffer.alloc(32, 7);
    const sealer = createSealer(key);
    const a = sealer.seal('token-value', 'conn-1');
    expect(a).not.toBe(sealer.seal('token-value', 'conn-1'));
    expect(sealer.open(a, 'conn-1')).toBe('token-value');
    expect(() => sealer.open(a, 'conn-2')).toThrow(/cannot be decrypted/);
    expect(() => createSealer(Buffer.alloc(32, 8)).open(a, 'conn-1')).toThrow(/cannot be decrypted/);
  });
});
