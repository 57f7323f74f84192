/**
 * AES-256-GCM for credentials at rest. The key comes from LEADSTAGE_ENCRYPTION_KEY (32 bytes,
 * base64) or, on a laptop, from `<dataDir>/encryption.key`, generated once with mode 0600.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ConfigError } from '../errors.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = 'v1';

export const KEY_FILE_NAME = 'encryption.key';

function decodeKey(base64: string, origin: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  // Never echo the key itself: only where it came from and what is wrong with it.
  if (key.length !== KEY_BYTES) {
    throw new ConfigError(`${origin} must be ${KEY_BYTES} bytes in base64, got ${key.length} bytes`);
  }
  return key;
}

/** Resolves the encryption key: the given base64 key, else the key file in `dataDir` (created when missing). */
export async function loadEncryptionKey(options: {
  encryptionKey?: string;
  dataDir: string;
}): Promise<Buffer> {
  if (options.encryptionKey) return decodeKey(options.encryptionKey, 'LEADSTAGE_ENCRYPTION_KEY');
  const file = join(options.dataDir, KEY_FILE_NAME);
  try {
    return decodeKey(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(options.dataDir, { recursive: true });
  try {
    // `wx`: when two processes race, one creates the file and the other reads the winner's key.
    await writeFile(file, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decodeKey(await readFile(file, 'utf8'), file);
}

export interface Sealer {
  /** `context` (e.g. the connection id) is authenticated too: a sealed value copied to another row fails to open. */
  seal(plaintext: string, context?: string): string;
  open(sealed: string, context?: string): string;
  /**
   * A keyed hash (HMAC-SHA256, base64url) under a key derived from the encryption key for `purpose`:
   * equal inputs give equal digests, and without the key a digest reveals nothing, not even by
   * hashing guessed emails.
   */
  digest(text: string, purpose: string): string;
}

/** Sealed values read `v1.<iv>.<tag>.<ciphertext>`, each part base64. */
export function createSealer(key: Buffer): Sealer {
  if (key.length !== KEY_BYTES) throw new ConfigError(`encryption key must be ${KEY_BYTES} bytes`);
  const derived = new Map<string, Buffer>();
  const keyFor = (purpose: string) => {
    let k = derived.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `leadstage ${purpose}`, KEY_BYTES));
      derived.set(purpose, k);
    }
    return k;
  };
  return {
    digest(text, purpose) {
      return createHmac('sha256', keyFor(purpose)).update(text, 'utf8').digest('base64url');
    },
    seal(plaintext, context = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, iv, cipher.getAuthTag(), data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
        .join('.');
    },
    open(sealed, context = '') {
      const [format, iv, tag, data] = sealed.split('.');
      if (format !== FORMAT || !iv || !tag || data === undefined) {
        throw new ConfigError('stored credentials are not in a known sealed format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new ConfigError('stored credentials cannot be decrypted: wrong LEADSTAGE_ENCRYPTION_KEY?');
      }
    },
  };
}
