// A minimal PNG reader for test assertions: 8-bit RGB or RGBA, not
// interlaced (what headless Chromium writes for screenshots).
import { inflateSync } from "node:zlib";

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  pixels: Uint8Array;
}

export function readPng(file: Uint8Array): Image {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => file[i] === b)) {
    throw new Error("not a PNG file");
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let width = 0;
  let height = 0;
  let colorType = 0;
  const data: Uint8Array[] = [];
  for (let at = 8; at < file.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...file.subarray(at + 4, at + 8));
    const body = file.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const depth = body[8];
      colorType = body[9];
      if (
        depth !== 8 || (colorType !== 2 && colorType !== 6) || body[12] !== 0
      ) {
        throw new Error(
          `unsupported PNG: depth ${depth}, colour type ${colorType}`,
        );
      }
    } else if (type === "IDAT") {
      data.push(body);
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[x] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out.set(
        cur.subarray(x * channels, x * channels + 3),
        (y * width + x) * 4,
      );
      out[(y * width + x) * 4 + 3] = channels === 4 ? cur[x * 4 + 3] : 255;
    }
    prev = cur;
  }
  return { width, height, pixels: out };
}

/** How many pixels have exactly this colour (`#rrggbb`). */
export function countColour(image: Image, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < image.pixels.length; i += 4) {
    if (
      image.pixels[i] === r && image.pixels[i + 1] === g &&
      image.pixels[i + 2] === b
    ) n++;
  }
  return n;
}
