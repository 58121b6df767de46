import sharp from 'sharp';
import type { RgbaImage } from '../engines/engine.js';

/** The image scaled (down or up, Lanczos, alpha kept straight) so its longer side is `maxSide`. */
export async function scaleToLongerSide(image: RgbaImage, maxSide: number): Promise<RgbaImage> {
  const scale = maxSide / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
