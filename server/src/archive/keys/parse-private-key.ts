import forge from 'node-forge';

/**
 * One archive private key, read from PEM text: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
 * (`BEGIN PRIVATE KEY`), as WeCom's admin console accepts either when the corp uploads the public
 * half. Errors name the source (a file name) and the problem, never any of the text: a message
 * that quoted a key would put it in the log.
 */

/** Below this the key is not one WeCom would accept, and most likely a mistake (a test key, a truncated file). */
const MIN_BITS = 1024;

export class ArchiveKeyFileError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`archive key ${source}: ${problem}`);
    this.name = 'ArchiveKeyFileError';
  }
}

export function parseArchivePrivateKey(pem: string, source: string): forge.pki.rsa.PrivateKey {
  const labels = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
  if (labels.length === 0) throw new ArchiveKeyFileError(source, 'not a PEM file (no -----BEGIN … ----- line)');
  if (labels.length > 1) throw new ArchiveKeyFileError(source, `holds ${labels.length} PEM blocks; put one private key per file`);
  const label = labels[0];
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw new ArchiveKeyFileError(source, 'is protected by a passphrase; export it without one (openssl rsa -in key.pem -out plain.pem)');
  }
  if (label !== 'RSA PRIVATE KEY' && label !== 'PRIVATE KEY') {
    throw new ArchiveKeyFileError(source, `holds a "${label}", not an RSA private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)`);
  }
  let key: forge.pki.rsa.PrivateKey;
  try {
    key = forge.pki.privateKeyFromPem(pem);
  } catch {
    // forge's message is not passed on: it is not needed to fix the file and we do not vouch for what it quotes.
    throw new ArchiveKeyFileError(source, label === 'PRIVATE KEY' ? 'is not a readable RSA private key in PKCS#8 (an EC or damaged key?)' : 'is not a readable PKCS#1 RSA private key (damaged or truncated?)');
  }
  if (!key || !key.n || !key.d) throw new ArchiveKeyFileError(source, 'is not an RSA private key');
  const bits = key.n.bitLength();
  if (bits < MIN_BITS) throw new ArchiveKeyFileError(source, `is a ${bits}-bit key; archive keys have at least ${MIN_BITS} bits`);
  selfTest(key, source);
  return key;
}

/**
 * Seals a random value with the key's own public half and opens it again: a key whose numbers were
 * damaged (a flipped digit in a hand-edited file) still parses, but would open every message into
 * an error hours later. Better to refuse it at start-up, by name.
 */
function selfTest(key: forge.pki.rsa.PrivateKey, source: string): void {
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const probe = forge.random.getBytesSync(16);
  let opened: string | undefined;
  try {
    opened = key.decrypt(publicKey.encrypt(probe, 'RSAES-PKCS1-V1_5'), 'RSAES-PKCS1-V1_5');
  } catch {
    opened = undefined;
  }
  if (opened !== probe) throw new ArchiveKeyFileError(source, 'failed its self-test (its private and public numbers do not match: damaged?)');
}
