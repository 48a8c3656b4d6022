import { Parser, Builder } from 'xml2js';

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/**
 * WeCom never sends a DOCTYPE; refusing one outright closes entity-expansion and XXE attacks
 * regardless of what the parser would do with it.
 */
const FORBIDDEN = /<!DOCTYPE|<!ENTITY|<\?xml-stylesheet/i;

const parser = new Parser({ explicitArray: false, explicitRoot: false, trim: true, strict: true });

export type XmlNode = string | { [key: string]: XmlNode | XmlNode[] | undefined };

/** Parses a `<xml>…</xml>` document into a plain object of strings. */
export async function parseXml(text: string): Promise<Record<string, XmlNode | XmlNode[] | undefined>> {
  if (FORBIDDEN.test(text)) throw new XmlError('XML with DOCTYPE or entity declarations is not accepted');
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<xml>/.test(text)) throw new XmlError('document root must be <xml>');
  let result: unknown;
  try {
    result = await parser.parseStringPromise(text);
  } catch (error) {
    throw new XmlError(`malformed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!result || typeof result !== 'object') throw new XmlError('empty XML document');
  return result as Record<string, XmlNode | XmlNode[] | undefined>;
}

const builder = new Builder({ rootName: 'xml', headless: true, cdata: true, renderOpts: { pretty: false } });

export function buildXml(fields: Record<string, unknown>): string {
  return builder.buildObject(fields);
}
