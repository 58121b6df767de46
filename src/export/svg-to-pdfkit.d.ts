/** svg-to-pdfkit ships no types; the one call this project makes. */
declare module 'svg-to-pdfkit' {
  import type PDFDocument from 'pdfkit';
  interface SvgToPdfOptions {
    width?: number;
    height?: number;
    preserveAspectRatio?: string;
    assumePt?: boolean;
    precision?: number;
    warningCallback?: (message: string) => void;
  }
  function SVGtoPDF(doc: InstanceType<typeof PDFDocument>, svg: string, x: number, y: number, options?: SvgToPdfOptions): void;
  export default SVGtoPDF;
}
