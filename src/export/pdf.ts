/**
 * The PDF writer: pdfkit draws the SVG through svg-to-pdfkit, so paths stay cubic Béziers, flat
 * colours are DeviceRGB, gradients become PDF shadings and opacity becomes PDF transparency
 * (ExtGState). One page of the asked size; the drawing fitted and centred on it.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { maskGradientEdges } from './pdf-gradient-edges.js';
import type { OutputSize } from './size.js';

export function writePdf(svg: string, size: OutputSize): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: [size.widthPt, size.heightPt],
      margin: 0,
      compress: true,
      info: { Producer: 'SVG-AI', Creator: 'SVG-AI' },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    maskGradientEdges(doc);
    const problems: string[] = [];
    SVGtoPDF(doc, svg, 0, 0, {
      width: size.widthPt,
      height: size.heightPt,
      preserveAspectRatio: 'xMidYMid meet',
      warningCallback: (message) => problems.push(message),
    });
    doc.end();
  });
}
