import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { FILE_TYPES, fileTypeForName, type FileType } from '@taskvault/contract';
import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import {
  largeTextFixture,
  rejectedFixtures,
  sha256,
  SNIFF_CHUNK,
  utf8SplitAcrossChunks,
  validFixtures,
  zip,
} from './file-fixtures.ts';

// What the server sees: file-type run on the first 64 KiB only.
const sniff = async (bytes: Buffer) => (await fileTypeFromBuffer(bytes.subarray(0, SNIFF_CHUNK)))?.ext;
const decodeUtf8 = (bytes: Buffer) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

const types = Object.keys(validFixtures) as FileType[];
const binaryTypes = types.filter((t) => FILE_TYPES[t].kind === 'binary');
const textTypes = types.filter((t) => FILE_TYPES[t].kind === 'text');

/** Reads a zip's local headers in order, checking each entry's sizes and CRC, then its central directory. */
function readZip(bytes: Buffer): Map<string, { method: number; data: Buffer }> {
  const entries = new Map<string, { method: number; data: Buffer }>();
  let at = 0;
  while (bytes.readUInt32LE(at) === 0x04034b50) {
    const method = bytes.readUInt16LE(at + 8);
    const [crc, compressed, size] = [14, 18, 22].map((o) => bytes.readUInt32LE(at + o)) as [
      number,
      number,
      number,
    ];
    const nameEnd = at + 30 + bytes.readUInt16LE(at + 26);
    const bodyStart = nameEnd + bytes.readUInt16LE(at + 28);
    const body = bytes.subarray(bodyStart, bodyStart + compressed);
    expect([0, 8]).toContain(method);
    const data = method === 8 ? inflateRawSync(body) : body;
    const name = bytes.toString('utf8', at + 30, nameEnd);
    expect({ name, size: data.length, crc: crc32(data) }).toEqual({ name, size, crc });
    entries.set(name, { method, data });
    at = bodyStart + compressed;
  }
  const end = bytes.length - 22;
  expect(bytes.readUInt32LE(end)).toBe(0x06054b50);
  expect(bytes.readUInt16LE(end + 10)).toBe(entries.size);
  expect(bytes.readUInt32LE(end + 16)).toBe(at); // the central directory follows the last entry
  expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
  return entries;
}

describe('valid fixtures', () => {
  it('cover every allowed type, under a name whose extension claims that type', () => {
    expect(types.sort()).toEqual(Object.keys(FILE_TYPES).sort());
    for (const type of types) expect(fileTypeForName(validFixtures[type].name)).toBe(type);
  });

  const detected: Partial<Record<FileType, string>> = {
    ...{ pdf: 'pdf', png: 'png', jpeg: 'jpg', gif: 'gif', webp: 'webp' },
    ...{ docx: 'docx', xlsx: 'xlsx', pptx: 'pptx', zip: 'zip' },
  };
  it.each(binaryTypes)('%s is recognised by its magic bytes', async (type) => {
    const ext = detected[type];
    expect(await sniff(validFixtures[type].bytes)).toBe(ext);
    expect(FILE_TYPES[type].detectedAs).toContain(ext);
  });

  it.each(textTypes)('%s is UTF-8 text without NUL that file-type does not recognise', async (type) => {
    const { bytes } = validFixtures[type];
    expect(await sniff(bytes)).toBeUndefined();
    expect(bytes.includes(0)).toBe(false);
    expect(() => decodeUtf8(bytes)).not.toThrow();
    expect(bytes.some((byte) => byte >= 0x80)).toBe(true); // some non-ASCII text, to catch Latin-1 handling
  });

  it('has a parseable JSON fixture', () => {
    expect(JSON.parse(decodeUtf8(validFixtures.json.bytes))).toMatchObject({ title: 'Café ✓' });
  });

  it('has a PDF whose xref table points at every object', () => {
    const pdf = validFixtures.pdf.bytes.toString('latin1');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
    expect(pdf.startsWith('xref\n0 6\n', startxref)).toBe(true);
    const offsets = pdf
      .slice(startxref)
      .match(/^\d{10} 00000 n $/gm)!
      .map((line) => Number(line.slice(0, 10)));
    offsets.forEach((offset, i) => expect(pdf.startsWith(`${i + 1} 0 obj\n`, offset)).toBe(true));
    expect(offsets).toHaveLength(5);
  });

  it('has a 1x1 RGBA PNG with correct chunk CRCs and one inflatable scanline', () => {
    const png = validFixtures.png.bytes;
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const typeAndData = png.subarray(at + 4, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typeAndData));
      chunks.push({ type: typeAndData.toString('latin1', 0, 4), data: typeAndData.subarray(4) });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([...chunks[0]!.data]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    expect([...inflateSync(chunks[1]!.data)]).toEqual([0, 0x1e, 0x88, 0xe5, 0xff]);
  });

  it('has images framed as their formats require', () => {
    const { jpeg, gif, webp } = validFixtures;
    expect([...jpeg.bytes.subarray(0, 2), ...jpeg.bytes.subarray(-2)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(gif.bytes.toString('latin1', 0, 6)).toBe('GIF89a');
    expect(gif.bytes.at(-1)).toBe(0x3b);
    expect(webp.bytes.readUInt32LE(4)).toBe(webp.bytes.length - 8);
    expect(webp.bytes.toString('latin1', 8, 16)).toBe('WEBPVP8L');
  });

  it.each([
    ['docx', 'word/document.xml'],
    ['xlsx', 'xl/workbook.xml'],
    ['pptx', 'ppt/presentation.xml'],
  ] as const)('%s is a zip with [Content_Types].xml first and its main part %s', (type, main) => {
    const entries = readZip(validFixtures[type].bytes);
    expect([...entries.keys()][0]).toBe('[Content_Types].xml');
    expect(entries.get('[Content_Types].xml')!.data.toString()).toContain(`PartName="/${main}"`);
    expect(entries.get(main)!.data.toString()).toMatch(/^<\?xml /);
  });

  it('has a plain zip with a deflated and a stored text entry', () => {
    const entries = readZip(validFixtures.zip.bytes);
    expect([...entries].map(([name, e]) => [name, e.method])).toEqual([
      ['hello.txt', 8],
      ['tiny.txt', 0],
    ]);
    expect(entries.get('tiny.txt')!.data.toString()).toBe('ok');
  });

  it('are deterministic: re-zipping what a package holds gives the same bytes', () => {
    const { bytes } = validFixtures.xlsx;
    const entries = [...readZip(bytes)].map(([name, e]): [string, Buffer] => [name, e.data]);
    expect(sha256(zip(entries))).toBe(sha256(bytes));
    expect(sha256(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('rejected fixtures', () => {
  it.each([
    ['elfAsPng', 'elf'],
    ['exeAsPng', 'exe'],
    ['pdfAsTxt', 'pdf'],
    ['pngAsJpg', 'png'],
    ['jarAsZip', 'jar'],
  ] as const)('%s is detected as what it really is: %s', async (name, ext) => {
    expect(await sniff(rejectedFixtures[name].bytes)).toBe(ext);
  });

  it('has a jar that is a well-formed zip, so only its manifest gives it away', () => {
    expect([...readZip(rejectedFixtures.jarAsZip.bytes).keys()]).toEqual(['META-INF/MANIFEST.MF']);
  });

  it('has text cases that fail only for their stated reason', async () => {
    const { noExtension, textWithNul, invalidUtf8, disallowedExtension } = rejectedFixtures;
    for (const { bytes } of [noExtension, textWithNul, invalidUtf8, disallowedExtension]) {
      expect(await sniff(bytes)).toBeUndefined();
    }
    expect(fileTypeForName(noExtension.name)).toBeUndefined();
    expect(fileTypeForName(disallowedExtension.name)).toBeUndefined();
    expect(decodeUtf8(textWithNul.bytes)).toContain('\0');
    expect(() => decodeUtf8(invalidUtf8.bytes)).toThrow(TypeError);
    expect(fileTypeForName(textWithNul.name)).toBe('txt');
  });
});

describe('large and split text', () => {
  it.each([0, 1, 2, 3, 40, 41, 42, 43, SNIFF_CHUNK, SNIFF_CHUNK + 1, 1_000_003])(
    'largeTextFixture(%i) is valid UTF-8 of exactly that size',
    async (size) => {
      const { name, bytes } = largeTextFixture(size);
      expect(bytes.length).toBe(size);
      expect(fileTypeForName(name)).toBe('txt');
      expect(() => decodeUtf8(bytes)).not.toThrow();
      expect(await sniff(bytes)).toBeUndefined();
    },
  );

  it('utf8SplitAcrossChunks has a multi-byte character across each 64 KiB boundary', async () => {
    const { bytes } = utf8SplitAcrossChunks;
    for (const k of [1, 2, 3]) expect(bytes[k * SNIFF_CHUNK]! & 0xc0).toBe(0x80); // a continuation byte
    expect(decodeUtf8(bytes)).toContain('🚀');
    expect(() => decodeUtf8(bytes.subarray(0, SNIFF_CHUNK))).toThrow(TypeError); // the head alone is cut
    expect(await sniff(bytes)).toBeUndefined();
  });
});
