/**
 * Small, real files of every allowed upload type, built in code so no binary blobs live in the repository
 * and every byte is explained. Fixed timestamps and contents keep the bytes (and their sha256) stable.
 */
import { createHash } from 'node:crypto';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import type { FileType } from '@taskvault/contract';

export type Fixture = { name: string; bytes: Buffer };

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const le = (n: number, size: 2 | 4) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (n >>> (8 * i)) & 0xff));
const [u16, u32] = [(n: number) => le(n, 2), (n: number) => le(n, 4)];
const [u16be, u32be] = [(n: number) => le(n, 2).reverse(), (n: number) => le(n, 4).reverse()];
const bytes = (...parts: (Buffer | string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** A PDF with a page of Helvetica text, whose xref table has the true byte offset of every object. */
function pdf(): Buffer {
  const content = 'BT /F1 18 Tf 20 40 Td (Taskvault) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  // The second line's high bytes tell transfer tools the file is binary, as real writers do.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets = objects.map((body, i) => {
    const offset = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = out.length;
  // Each xref entry is exactly 20 bytes, hence the space before the newline.
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const pngChunk = (type: string, data: Buffer) => {
  const body = bytes(type, data);
  return bytes(u32be(data.length), body, u32be(crc32(body)));
};

/** A 1x1 RGBA PNG: one scanline of filter byte 0 and a single blue pixel. */
function png(): Buffer {
  const header = bytes(u32be(1), u32be(1), [8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no interlace
  return bytes(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x1e, 0x88, 0xe5, 0xff]))),
    pngChunk('IEND', Buffer.alloc(0)),
  );
}

const jpegSegment = (marker: number, data: Buffer) => bytes([0xff, marker], u16be(data.length + 2), data);

/**
 * A baseline 1x1 greyscale JPEG. Each Huffman table holds one 1-bit code ('0'): the DC table's symbol is
 * "difference 0" and the AC table's is end-of-block, so the whole scan is the bits 00, padded with ones.
 */
function jpeg(): Buffer {
  const oneCodeTable = (tableClass: number) => bytes([tableClass << 4, 1], Buffer.alloc(15), [0]);
  return bytes(
    [0xff, 0xd8],
    jpegSegment(0xe0, bytes('JFIF\0', [1, 1, 0], u16be(1), u16be(1), [0, 0])),
    jpegSegment(0xdb, bytes([0], Buffer.alloc(64, 1))),
    jpegSegment(0xc0, bytes([8], u16be(1), u16be(1), [1, 1, 0x11, 0])),
    jpegSegment(0xc4, oneCodeTable(0)),
    jpegSegment(0xc4, oneCodeTable(1)),
    jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    [0b0011_1111, 0xff, 0xd9],
  );
}

/**
 * A looping two-frame 1x1 GIF89a. With a 2-bit LZW minimum code size each frame's data is the 3-bit codes
 * clear (4), the pixel's palette index, end (5), packed least significant bit first.
 */
function gif(): Buffer {
  const frame = (lzw: number[]) =>
    bytes([0x21, 0xf9, 4, 0], u16(50), [0, 0], [0x2c], u16(0), u16(0), u16(1), u16(1), [0, 2, 2], lzw, [0]);
  const screen = [1, 0, 1, 0, 0xf0, 0, 0, 0x1e, 0x88, 0xe5, 0xff, 0xff, 0xff]; // 1x1, a palette of 2 colours
  const loop = bytes([0x21, 0xff, 11], 'NETSCAPE2.0', [3, 1, 0, 0, 0]); // repeat forever
  return bytes('GIF89a', screen, loop, frame([0x44, 0x01]), frame([0x4c, 0x01]), [0x3b]);
}

/** Packs (value, bit count) pairs least significant bit first, as the VP8L bitstream reads them. */
function lsbBits(pairs: number[]): Buffer {
  const out: number[] = [];
  let [acc, used] = [0, 0];
  for (let p = 0; p < pairs.length; p += 2) {
    for (let i = 0; i < pairs[p + 1]!; i++) {
      acc |= ((pairs[p]! >>> i) & 1) << used;
      if (++used < 8) continue;
      out.push(acc);
      [acc, used] = [0, 0];
    }
  }
  return Buffer.from(used > 0 ? [...out, acc] : out);
}

/**
 * A lossless 1x1 WebP. No transforms and no colour cache; each of the five prefix codes is a "simple" code
 * with a single symbol, so decoding the one pixel reads no further bits.
 */
function webp(): Buffer {
  const [a, r, g, b] = [0xff, 0x1e, 0x88, 0xe5];
  // width - 1 and height - 1 (14 bits each), alpha hint 0 as the pixel is opaque, version 0 (3 bits); then
  // no transform, no colour cache, no meta prefix codes (1 bit each).
  const header = [0, 14, 0, 14, 0, 1, 0, 3, 0, 1, 0, 1, 0, 1];
  // Green, red, blue, alpha, distance: each a simple code (1) of one symbol (0) in 8 bits (1) or 1 bit (0).
  const simple = (symbol: number, bits: 1 | 8) => [1, 1, 0, 1, bits >> 3, 1, symbol, bits];
  const codes = [...simple(g, 8), ...simple(r, 8), ...simple(b, 8), ...simple(a, 8), ...simple(0, 1)];
  const vp8l = bytes([0x2f], lsbBits([...header, ...codes]));
  const chunk = bytes('VP8L', u32(vp8l.length), vp8l, vp8l.length % 2 ? [0] : []);
  return bytes('RIFF', u32(4 + chunk.length), 'WEBP', chunk);
}

const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1; // 2024-01-01, so the bytes never change

/** A zip with local headers in the given order; entries are deflated when that helps and stored otherwise. */
export function zip(entries: [name: string, data: string | Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const raw = Buffer.from(data);
    const deflated = deflateRawSync(raw);
    const [method, body] = deflated.length < raw.length ? [8, deflated] : [0, raw];
    const fileName = Buffer.from(name);
    // version needed 2.0, flag 0x800 (names are UTF-8), method, time 00:00, date, crc, sizes, name length
    const common = bytes(u16(20), u16(0x800), u16(method), u16(0), u16(DOS_DATE), u32(crc32(raw)));
    const sizes = bytes(u32(body.length), u32(raw.length), u16(fileName.length), u16(0));
    const local = bytes(u32(0x04034b50), common, sizes, fileName, body);
    // made by 2.0; comment length, disk, internal and external attributes all 0; then the local offset
    centrals.push(bytes(u32(0x02014b50), u16(20), common, sizes, Buffer.alloc(10), u32(offset), fileName));
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const count = u16(entries.length);
  const end = bytes(u32(0x06054b50), u32(0), count, count, u32(directory.length), u32(offset), u16(0));
  return Buffer.concat([...locals, directory, end]);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const OOXML = 'application/vnd.openxmlformats-officedocument';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const rels = (...targets: [type: string, target: string][]) =>
  `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
  targets
    .map(([type, target], i) => `<Relationship Id="rId${i + 1}" Type="${REL}/${type}" Target="${target}"/>`)
    .join('') +
  '</Relationships>';

/**
 * An Office Open XML package. [Content_Types].xml comes first, naming the main part's type, which is what
 * Office and magic-byte sniffers (file-type among them) read to tell docx, xlsx and pptx from a plain zip.
 */
type Part = [path: string, contentType: string, xml: string];
function ooxml(...[main, ...parts]: [Part, ...Part[]]): Buffer {
  const overrides = [main, ...parts]
    .filter(([, type]) => type) // .rels parts get their type from the Default for the extension
    .map(([path, type]) => `<Override PartName="/${path}" ContentType="${OOXML}.${type}+xml"/>`);
  const types =
    `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
    `<Default Extension="xml" ContentType="application/xml"/>${overrides.join('')}</Types>`;
  return zip([
    ['[Content_Types].xml', types],
    ['_rels/.rels', XML + rels(['officeDocument', main[0]])],
    ...[main, ...parts].map(([path, , xml]): [string, string] => [path, XML + xml]),
  ]);
}

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const S = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL}"`;
const SHEET = '<sheet name="Tasks" sheetId="1" r:id="rId1"/>';
const SHEET1 =
  `<worksheet ${S}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Write tests</t></is></c>` +
  '<c r="B1"><v>42</v></c></row></sheetData></worksheet>';
const P =
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
  `xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="${REL}"`;
const PRESENTATION =
  `<p:presentation ${P}><p:sldIdLst><p:sldId id="256" r:id="rId1"/></p:sldIdLst>` +
  '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/></p:presentation>';
const SLIDE1 =
  `<p:sld ${P}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>` +
  '</p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld></p:sld>';

const docx = ooxml([
  'word/document.xml',
  'wordprocessingml.document.main',
  `<w:document ${W}><w:body><w:p><w:r><w:t>Hello from Taskvault, café ✓</w:t></w:r></w:p></w:body>` +
    '</w:document>',
]);

const xlsx = ooxml(
  ['xl/workbook.xml', 'spreadsheetml.sheet.main', `<workbook ${S}><sheets>${SHEET}</sheets></workbook>`],
  ['xl/_rels/workbook.xml.rels', '', rels(['worksheet', 'worksheets/sheet1.xml'])],
  ['xl/worksheets/sheet1.xml', 'spreadsheetml.worksheet', SHEET1],
);

// Only a presentation and one empty slide: enough for readers and sniffers, though PowerPoint itself also
// wants a slide master, layout and theme, which would triple this fixture.
const pptx = ooxml(
  ['ppt/presentation.xml', 'presentationml.presentation.main', PRESENTATION],
  ['ppt/_rels/presentation.xml.rels', '', rels(['slide', 'slides/slide1.xml'])],
  ['ppt/slides/slide1.xml', 'presentationml.slide', SLIDE1],
);

// Long enough to deflate, plus a tiny entry that is stored: both zip methods appear.
const ARCHIVE: [string, string][] = [
  ['hello.txt', 'Hello, zip! '.repeat(20)],
  ['tiny.txt', 'ok'],
];
const text = (name: string, content: string): Fixture => ({ name, bytes: Buffer.from(content, 'utf8') });
const NOTES = 'Meeting notes — café ✓\nNext: ship uploads 🚀\n';

export const validFixtures: Record<FileType, Fixture> = {
  pdf: { name: 'report.pdf', bytes: pdf() },
  png: { name: 'pixel.png', bytes: png() },
  jpeg: { name: 'photo.jpg', bytes: jpeg() },
  gif: { name: 'anim.gif', bytes: gif() },
  webp: { name: 'image.webp', bytes: webp() },
  txt: text('notes.txt', NOTES),
  csv: text('data.csv', 'id,title,done\n1,Write fixtures,true\n2,"Café, ✓ quoted",false\n'),
  md: text('readme.md', '# Taskvault\n\nUploads accept **PDF**, images and text — naïve café ✓.\n'),
  json: text('data.json', `${JSON.stringify({ title: 'Café ✓', tags: ['upload'], done: false }, null, 2)}\n`),
  docx: { name: 'letter.docx', bytes: docx },
  xlsx: { name: 'sheet.xlsx', bytes: xlsx },
  pptx: { name: 'slides.pptx', bytes: pptx },
  zip: { name: 'archive.zip', bytes: zip(ARCHIVE) },
};

/** An x86-64 ELF executable's 64-byte file header (no program headers follow). */
function elf(): Buffer {
  const header = Buffer.alloc(64);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // magic, 64-bit, little-endian, version 1
  header.writeUInt16LE(2, 16); // executable
  header.writeUInt16LE(0x3e, 18); // x86-64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(0x401000n, 24); // entry point
  header.writeUInt16LE(64, 52); // header size
  header.writeUInt16LE(56, 54); // program header entry size
  header.writeUInt16LE(64, 58); // section header entry size
  return header;
}

/** A DOS MZ header whose e_lfanew points at a PE signature and an x86-64 COFF header. */
function exe(): Buffer {
  const image = Buffer.alloc(0x40 + 24);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x40, 0x3c);
  image.write('PE\0\0', 0x40, 'latin1');
  image.writeUInt16LE(0x8664, 0x44);
  image.writeUInt16LE(0x0002, 0x56); // characteristics: executable image
  return image;
}

export const rejectedFixtures = {
  elfAsPng: { name: 'tool.png', bytes: elf() },
  exeAsPng: { name: 'setup.png', bytes: exe() },
  pdfAsTxt: { name: 'report.txt', bytes: validFixtures.pdf.bytes },
  noExtension: text('README', 'Read me first.\n'),
  pngAsJpg: { name: 'photo.jpg', bytes: validFixtures.png.bytes },
  jarAsZip: { name: 'lib.zip', bytes: zip([['META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\r\n\r\n']]) },
  textWithNul: { name: 'notes.txt', bytes: bytes(Buffer.from('before'), [0], Buffer.from('after\n')) },
  // The bad bytes sit mid-text: at the start 0xff 0xfe would read as a UTF-16 byte order mark instead.
  invalidUtf8: { name: 'notes.txt', bytes: bytes(Buffer.from('caf'), [0xff, 0xfe, 0x80], Buffer.from('\n')) },
  disallowedExtension: text('script.sh', '#!/bin/sh\necho "hello"\n'),
} satisfies Record<string, Fixture>;

/** Valid UTF-8 text of exactly `size` bytes, multi-byte characters included, for size limit tests. */
export function largeTextFixture(size: number): Fixture {
  const line = Buffer.from('Taskvault upload line — café ✓ 🚀\n');
  const filled = Buffer.alloc(size + 4, line);
  // Never cut a character: back off to the start of one straddling the end, and pad with spaces.
  let end = size;
  while (end > 0 && (filled[end]! & 0xc0) === 0x80) end--;
  const padding = Buffer.alloc(size - end, ' ');
  return { name: 'large.txt', bytes: Buffer.concat([filled.subarray(0, end), padding]) };
}

export const SNIFF_CHUNK = 64 * 1024;

/**
 * Text whose 4-, 3- and 2-byte characters start just before the 1st, 2nd and 3rd 64 KiB boundary, so
 * code that checks UTF-8 chunk by chunk, or only the sniffed head, wrongly finds invalid bytes.
 */
export const utf8SplitAcrossChunks: Fixture = (() => {
  const parts: Buffer[] = [];
  let length = 0;
  for (const [i, char] of ['🚀', '✓', 'é'].entries()) {
    const filler = Buffer.alloc((i + 1) * SNIFF_CHUNK - 1 - length, 'abc\n');
    parts.push(filler, Buffer.from(char));
    length += filler.length + Buffer.byteLength(char);
  }
  parts.push(Buffer.from('\nend\n'));
  return { name: 'split.txt', bytes: Buffer.concat(parts) };
})();
