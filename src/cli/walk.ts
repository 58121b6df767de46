/**
 * What a converting command reads from its input: one image file, or a folder searched recursively.
 * Every entry of a folder that is not converted is returned with the reason, so the commands can
 * list it instead of leaving it out silently.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

export interface SkippedFile {
  /** Relative to the walked folder, with "/" separators. */
  file: string;
  reason: string;
}

export interface Walk {
  /** The folder names are relative to (the file's own folder for a single file). */
  root: string;
  /** Absolute or input-relative paths of the images, sorted. */
  images: string[];
  skipped: SkippedFile[];
}

const relative = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');

export async function walkInput(input: string): Promise<Walk> {
  const info = await stat(input);
  if (info.isFile()) return { root: path.dirname(input), images: [input], skipped: [] };
  const images: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const entry of await readdir(input, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) skipped.push({ file: relative(input, file), reason: 'a symbolic link (links are not followed)' });
    else if (!entry.isFile()) skipped.push({ file: relative(input, file), reason: 'not a regular file' });
    else if (!IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      skipped.push({ file: relative(input, file), reason: 'not named as an image (.png, .jpg, .jpeg, .webp, .gif)' });
    } else images.push(file);
  }
  skipped.sort((a, b) => a.file.localeCompare(b.file));
  return { root: input, images: images.sort(), skipped };
}
