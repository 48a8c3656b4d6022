import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small S3-compatible object server for tests: path-style PUT, GET and DELETE of objects in one
 * bucket, over real HTTP. Every request must carry an AWS Signature V4 Authorization header by the
 * expected access key, and the signature is checked with the secret key the way S3 checks it
 * (canonical request, string to sign, derived signing key); a signed payload hash must match the
 * body. Errors answer with S3's XML codes (NoSuchKey, NoSuchBucket, InvalidAccessKeyId,
 * SignatureDoesNotMatch…), so the client's error handling meets what a real service sends.
 */

export interface S3TestServerOptions {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface S3Request {
  method: string;
  key: string;
  status: number;
  /** The access key the Authorization header names ('' when there was none). */
  accessKeyId: string;
}

export interface StoredObject {
  data: Buffer;
  contentType: string;
}

export class S3TestServer {
  readonly objects = new Map<string, StoredObject>();
  readonly requests: S3Request[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly options: S3TestServerOptions,
  ) {}

  static async start(options: S3TestServerOptions): Promise<S3TestServer> {
    let instance: S3TestServer | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => instance!.handle(req, Buffer.concat(chunks), res));
    });
    instance = new S3TestServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const [rawPath, rawQuery = ''] = rawUrl.split('?', 2);
    const segments = rawPath.split('/').slice(1);
    const bucket = decodeURIComponent(segments[0] ?? '');
    const key = segments.slice(1).map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    const record: S3Request = { method, key, status: 0, accessKeyId: '' };
    this.requests.push(record);
    const reply = (status: number, headers: Record<string, string | number> = {}, payload?: Buffer | string) => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : payload);
    };
    const error = (status: number, code: string, message: string) =>
      reply(status, { 'content-type': 'application/xml' }, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${rawPath}</Resource><RequestId>test</RequestId></Error>`);

    const auth = this.checkSignature(req, method, rawPath, rawQuery, body);
    record.accessKeyId = auth.accessKeyId;
    if (auth.error) return error(403, auth.error.code, auth.error.message);
    if (bucket !== this.options.bucket) return error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (!key) return error(400, 'InvalidRequest', 'an object key is required (path-style only)');

    if (method === 'PUT') {
      const contentType = String(req.headers['content-type'] ?? 'binary/octet-stream');
      this.objects.set(key, { data: body, contentType });
      return reply(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
    }
    if (method === 'GET' || method === 'HEAD') {
      const object = this.objects.get(key);
      if (!object) return error(404, 'NoSuchKey', 'The specified key does not exist.');
      return reply(200, { 'content-type': object.contentType, 'content-length': object.data.length, etag: `"${createHash('md5').update(object.data).digest('hex')}"` }, object.data);
    }
    if (method === 'DELETE') {
      this.objects.delete(key);
      return reply(204);
    }
    return error(405, 'MethodNotAllowed', `${method} is not supported here`);
  }

  /** AWS Signature V4 as S3 verifies it (header form; presigned URLs are not supported). */
  private checkSignature(
    req: http.IncomingMessage,
    method: string,
    rawPath: string,
    rawQuery: string,
    body: Buffer,
  ): { accessKeyId: string; error?: { code: string; message: string } } {
    const header = String(req.headers.authorization ?? '');
    const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(header);
    if (!match) return { accessKeyId: '', error: { code: 'AccessDenied', message: 'an AWS4-HMAC-SHA256 Authorization header is required' } };
    const [, accessKeyId, date, region, signedHeaders, signature] = match;
    if (accessKeyId !== this.options.accessKeyId) return { accessKeyId, error: { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' } };
    if (region !== this.options.region) return { accessKeyId, error: { code: 'AuthorizationHeaderMalformed', message: `the region '${region}' is wrong; expecting '${this.options.region}'` } };
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (!amzDate.startsWith(date)) return { accessKeyId, error: { code: 'AccessDenied', message: 'x-amz-date does not match the credential scope' } };
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    if (!payloadHash) return { accessKeyId, error: { code: 'InvalidRequest', message: 'x-amz-content-sha256 is required' } };
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(body)) {
      return { accessKeyId, error: { code: 'XAmzContentSHA256Mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed.' } };
    }
    const names = signedHeaders.split(';');
    if (!names.includes('host')) return { accessKeyId, error: { code: 'AccessDenied', message: 'host must be signed' } };
    const canonicalHeaders = names.map((name) => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonicalQuery = rawQuery
      .split('&')
      .filter(Boolean)
      .map((pair) => (pair.includes('=') ? pair : `${pair}=`))
      .sort()
      .join('&');
    const canonicalRequest = [method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(Buffer.from(canonicalRequest))].join('\n');
    let signingKey: Buffer = hmac(`AWS4${this.options.secretAccessKey}`, date);
    for (const part of [region, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
    const expected = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
    if (expected !== signature) return { accessKeyId, error: { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' } };
    return { accessKeyId };
  }
}

const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
