/**
 * The `s3` source: `s3://bucket/key` (an exact object) or `s3://bucket/prefix/` (the newest object
 * directly under the prefix, optionally only those whose name matches the `latest` glob).
 *
 * Endpoint, region and keys come from the standard AWS environment (AWS_ENDPOINT_URL[_S3],
 * AWS_REGION, AWS_ACCESS_KEY_ID, …, the SDK's default chain) unless an `aws` credential is given.
 * A credential with `roleArn` assumes that role through STS first.
 * Path-style addressing is used whenever an endpoint is set (MinIO, moto, Ceph…).
 */
import type { Readable } from 'node:stream';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  type _Object,
} from '@aws-sdk/client-s3';
import type { Credential } from '../../core/credentials.js';
import { globToRegExp } from '../../core/glob.js';
import { backupRejected, invalidRequest } from '../failures.js';
import { FatalSourceError, resumableStream } from './resumable.js';
import type { BackupSource, LocateRequest, OpenRequest, SourceObject } from './source.js';

const SIDECAR_SUFFIX = '.sha256';
const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const REFUSED = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'AllAccessDisabled',
  'AccountProblem',
  'CredentialsProviderError',
]);

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match || !match[1]) throw invalidRequest(`not an S3 URI: "${uri}" (expected s3://bucket/key or s3://bucket/prefix/)`);
  return { bucket: match[1], key: match[2] ?? '' };
}

export const s3Source: BackupSource = {
  schemes: ['s3'],

  async locate(request: LocateRequest): Promise<SourceObject> {
    const { bucket, key } = parseS3Uri(request.uri);
    const client = await s3Client(request.credential, bucket);
    try {
      const chosenKey = request.latest !== undefined || key === '' || key.endsWith('/') ? await newestKey(client, bucket, key, request.latest, request.signal) : key;
      const head = await client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: chosenKey, ChecksumMode: 'ENABLED' }), { abortSignal: request.signal })
        .catch((err: unknown) => {
          throw translate(err, bucket, chosenKey);
        });
      let sha256: SourceObject['sha256'] = null;
      const objectChecksum = wholeObjectSha256(head.ChecksumSHA256, head.ChecksumType);
      if (objectChecksum) sha256 = { hex: objectChecksum, from: 'object' };
      else {
        const sidecar = await readSidecar(client, bucket, chosenKey, request.signal);
        if (sidecar) sha256 = { hex: sidecar, from: 'sidecar' };
      }
      const details: Record<string, string> = { bucket, key: chosenKey };
      if (head.ETag) details.etag = head.ETag;
      if (head.VersionId) details.versionId = head.VersionId;
      return {
        uri: `s3://${bucket}/${chosenKey}`,
        sizeBytes: head.ContentLength ?? 0,
        modifiedAt: (head.LastModified ?? new Date()).toISOString(),
        sha256,
        details,
      };
    } finally {
      client.destroy();
    }
  },

  open(object: SourceObject, request: OpenRequest): Readable {
    const { bucket, key } = object.details?.bucket && object.details.key !== undefined ? { bucket: object.details.bucket, key: object.details.key } : parseS3Uri(object.uri);
    const etag = object.details?.etag;
    let client: S3Client | undefined;
    const stream = resumableStream({
      what: object.uri,
      sizeBytes: object.sizeBytes,
      signal: request.signal,
      async openAt(offset, signal) {
        client ??= await s3Client(request.credential, bucket);
        try {
          const response = await client.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              ...(object.details?.versionId ? { VersionId: object.details.versionId } : {}),
              ...(etag ? { IfMatch: etag } : {}),
              ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
            }),
            { abortSignal: signal },
          );
          if (!response.Body) throw new Error(`S3 returned no body for ${object.uri}`);
          return response.Body as Readable;
        } catch (err) {
          const code = errorCode(err);
          if (code === 'PreconditionFailed' || status(err) === 412) {
            throw new FatalSourceError(`${object.uri} changed during the download (its ETag is no longer ${etag}): it was overwritten after it was located; the next attempt locates it again`);
          }
          const translated = translate(err, bucket, key);
          if (translated !== err) throw translated;
          if (code === 'InvalidRange') throw new FatalSourceError(`${object.uri} is shorter than when it was located: it changed during the download`);
          throw err;
        }
      },
    });
    stream.once('close', () => client?.destroy());
    return stream;
  },
};

/** Multipart uploads carry a composite checksum (a checksum of part checksums, "…-N"): not the object's sha256. */
function wholeObjectSha256(base64: string | undefined, type: string | undefined): string | undefined {
  if (!base64 || type === 'COMPOSITE' || base64.includes('-')) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

async function newestKey(client: S3Client, bucket: string, key: string, latest: string | undefined, signal: AbortSignal): Promise<string> {
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  const matcher = latest !== undefined ? globToRegExp(latest) : undefined;
  let newest: _Object | undefined;
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal })
      .catch((err: unknown) => {
        throw translate(err, bucket, prefix);
      });
    for (const item of page.Contents ?? []) {
      if (!item.Key || item.Key.endsWith('/') || item.Key.endsWith(SIDECAR_SUFFIX)) continue;
      const name = item.Key.slice(prefix.length);
      if (matcher && !matcher.test(name)) continue;
      if (!newest || (item.LastModified?.getTime() ?? 0) > (newest.LastModified?.getTime() ?? 0) || ((item.LastModified?.getTime() ?? 0) === (newest.LastModified?.getTime() ?? 0) && item.Key > (newest.Key ?? ''))) newest = item;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (!newest?.Key) {
    const what = latest !== undefined ? `matching "${latest}" ` : '';
    throw backupRejected({ name: 'present', observed: 'no object', expected: `an object ${what}under s3://${bucket}/${prefix}`, message: `no backup ${what}under s3://${bucket}/${prefix}: the prefix holds no such object` });
  }
  return newest.Key;
}

async function readSidecar(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<string | undefined> {
  const sidecarKey = key + SIDECAR_SUFFIX;
  let text: string;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: sidecarKey, Range: 'bytes=0-4095' }), { abortSignal: signal });
    text = (await response.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (NOT_FOUND.has(errorCode(err) ?? '') || status(err) === 404) return undefined;
    throw translate(err, bucket, sidecarKey);
  }
  return parseSidecar(text, `s3://${bucket}/${sidecarKey}`);
}

/** Accepts `sha256sum` output ("<hex>  name") or a bare hex digest. */
export function parseSidecar(text: string, where: string): string {
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    throw backupRejected({ name: 'checksum', observed: `unreadable sidecar "${text.trim().slice(0, 80).replace(/[^\x20-\x7e]/g, '?')}"`, expected: 'a sha256 hex digest', message: `the sidecar ${where} does not hold a sha256 digest` });
  }
  return digest;
}

function errorCode(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string; code?: string } | undefined;
  return e?.Code ?? e?.name ?? e?.code;
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** S3 errors to verdicts; anything else (network, 5xx, throttling) is returned unchanged and retried. */
function translate(err: unknown, bucket: string, key: string): unknown {
  const code = errorCode(err) ?? '';
  const where = `s3://${bucket}/${key}`;
  if (code === 'NoSuchBucket') {
    return backupRejected({ name: 'present', observed: 'no such bucket', expected: `an object at ${where}`, message: `no backup at ${where}: the bucket "${bucket}" does not exist` });
  }
  if (NOT_FOUND.has(code) || status(err) === 404) {
    return backupRejected({ name: 'present', observed: 'no such object', expected: `an object at ${where}`, message: `no backup at ${where}: no object "${key}" in bucket "${bucket}" (or the bucket does not exist)` });
  }
  if (REFUSED.has(code) || status(err) === 403) {
    const why =
      code === 'ExpiredToken' || code === 'TokenRefreshRequired' ? 'the session token has expired'
      : code === 'InvalidAccessKeyId' || code === 'InvalidClientTokenId' ? 'the access key id is unknown to the service'
      : code === 'SignatureDoesNotMatch' ? 'the secret key does not match the access key id'
      : code === 'CredentialsProviderError' ? 'no AWS credentials were found (no credential given and none in the environment)'
      : 'access denied';
    return backupRejected({ name: 'access', observed: code || 'HTTP 403', expected: `read access to ${where}`, message: `S3 refused the credential for ${where}: ${why} (${code || 'HTTP 403'})` });
  }
  return err;
}

async function s3Client(credential: Credential | undefined, bucket: string): Promise<S3Client> {
  if (credential && credential.kind !== 'aws') throw invalidRequest(`S3 sources need an "aws" credential, got a "${credential.kind}" credential`);
  if (credential?.buckets && !credential.buckets.includes(bucket)) {
    throw invalidRequest(`the aws credential may be used for bucket(s) ${credential.buckets.join(', ')} only, and this source is in bucket "${bucket}": point the plan at one of those, or add the bucket to the credential's "buckets"`);
  }
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
  const region = credential?.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const config: S3ClientConfig = {
    region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // The SDK's own retries cover the request; the body is resumed by resumableStream.
    maxAttempts: 3,
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (credential?.accessKeyId && credential.secretAccessKey) {
    config.credentials = { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, ...(credential.sessionToken ? { sessionToken: credential.sessionToken } : {}) };
  } else if (credential && (credential.accessKeyId || credential.secretAccessKey)) {
    throw invalidRequest('the aws credential has only half a key pair: it needs both accessKeyId and secretAccessKey');
  }
  if (credential?.roleArn) config.credentials = await assumeRole(credential.roleArn, region, endpoint, config.credentials);
  return new S3Client(config);
}

async function assumeRole(roleArn: string, region: string, endpoint: string | undefined, base: S3ClientConfig['credentials']): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const client = new STSClient({ region, ...(endpoint ? { endpoint } : {}), ...(base ? { credentials: base } : {}) });
  try {
    const result = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `restore-drill-${Date.now()}`, DurationSeconds: 3600 }));
    const c = result.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS returned no credentials for ${roleArn}`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}) };
  } catch (err) {
    const code = errorCode(err) ?? '';
    if (REFUSED.has(code) || status(err) === 403) {
      throw backupRejected({ name: 'access', observed: code || 'HTTP 403', expected: `permission to assume ${roleArn}`, message: `STS refused to let the credential assume ${roleArn} (${code || 'HTTP 403'})` });
    }
    throw err;
  } finally {
    client.destroy();
  }
}
