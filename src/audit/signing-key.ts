import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../errors.js';

/** File names of the checkpoint key pair inside the key directory (the data directory). */
export const PRIVATE_KEY_FILE = 'audit-ed25519.key';
export const PUBLIC_KEY_FILE = 'audit-ed25519.pub';

/** The Ed25519 key that signs checkpoints. */
export interface SigningKey {
  privateKey: KeyObject;
  /** Raw 32-byte public key, as carried in checkpoint events. */
  publicKey: Buffer;
}

// SPKI DER prefix of an Ed25519 public key: the raw 32 bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Loads the checkpoint signing key from `keyDir`, generating it on first use (private key
 * PKCS#8 PEM with mode 0600, public key PEM beside it). Refuses a private key that group or
 * others can read: a leaked key lets anyone forge checkpoints.
 */
export function loadOrCreateSigningKey(keyDir: string): SigningKey {
  const keyPath = join(keyDir, PRIVATE_KEY_FILE);
  if (!existsSync(keyPath)) {
    mkdirSync(keyDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = `${keyPath}.${process.pid}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, keyPath);
    writeFileSync(join(keyDir, PUBLIC_KEY_FILE), createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
  }
  const mode = statSync(keyPath).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `checkpoint key ${keyPath} has mode 0${mode.toString(8)}; it must be readable by its owner only (chmod 600)`, { context: { key: 'keyDir', file: keyPath } });
  }
  const privateKey = createPrivateKey(readFileSync(keyPath));
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `checkpoint key ${keyPath} is a ${privateKey.asymmetricKeyType} key; an Ed25519 key is required`, { context: { key: 'keyDir', file: keyPath } });
  }
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

/** Reads the raw public key an auditor trusts from a key directory (or a .pub PEM file). */
export function readPublicKey(pathOrDir: string): Buffer {
  const file = statSync(pathOrDir).isDirectory() ? join(pathOrDir, PUBLIC_KEY_FILE) : pathOrDir;
  return rawPublicKey(createPublicKey(readFileSync(file)));
}

function rawPublicKey(k: KeyObject): Buffer {
  const der = k.export({ type: 'spki', format: 'der' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** The exact bytes a checkpoint signature covers: domain tag, node, seq and hash (hex). */
export function checkpointMessage(node: string, seq: number, hash: Buffer): Buffer {
  return Buffer.from(`vexfs-checkpoint/v1|${node}|${seq}|${hash.toString('hex')}`, 'utf8');
}

/** Signs a checkpoint. */
export function signCheckpoint(key: SigningKey, node: string, seq: number, hash: Buffer): Buffer {
  return sign(null, checkpointMessage(node, seq, hash), key.privateKey);
}

const keyCache = new Map<string, KeyObject>();

/** True when `signature` is a valid Ed25519 signature of the checkpoint by the raw `publicKey`. */
export function verifyCheckpointSignature(publicKey: Buffer, node: string, seq: number, hash: Buffer, signature: Buffer): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const hex = publicKey.toString('hex');
  let k = keyCache.get(hex);
  if (!k) {
    k = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    keyCache.set(hex, k);
  }
  try { return verify(null, checkpointMessage(node, seq, hash), k, signature); } catch { return false; }
}
