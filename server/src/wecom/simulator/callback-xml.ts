/**
 * Renders callback XML the way WeCom writes it (wecom-reference.md §2): strings in CDATA,
 * numbers bare, nested objects as child elements and arrays as repeated elements, e.g.
 * `{ MemChangeList: { Item: ['a', 'b'] } }` → `<MemChangeList><Item><![CDATA[a]]></Item>…`.
 * Written by hand rather than with xml2js so the output matches WeCom's byte shape.
 */

export type CallbackValue = string | number | boolean | CallbackFields | CallbackValue[];
export interface CallbackFields {
  [name: string]: CallbackValue | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A "]]>" inside CDATA must be split across two sections. */
const cdata = (text: string) => `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

function element(name: string, value: CallbackValue | undefined): string {
  if (value === undefined) return '';
  if (!NAME.test(name)) throw new Error(`invalid XML element name: ${name}`);
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  const inner = typeof value === 'string' ? cdata(value) : String(value);
  return `<${name}>${inner}</${name}>`;
}

const children = (fields: CallbackFields) => Object.entries(fields).map(([k, v]) => element(k, v)).join('');

export function renderCallbackXml(fields: CallbackFields): string {
  return `<xml>${children(fields)}</xml>`;
}
