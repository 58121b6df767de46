/**
 * 405 for every known path asked with a method it does not take, generically: the methods are read
 * from the routes the app has, so a route added anywhere is covered without a handler of its own.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error.js';

interface Layer {
  route?: { methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  matchers: ((path: string) => false | { path: string })[];
  /** A `use()` layer (prefix match); route layers match the whole path. */
  slash?: boolean;
}

/** The methods (upper case, with HEAD beside GET) of every route in `stack` that matches `path`. */
function methodsFor(stack: readonly Layer[], path: string, found: Set<string>): void {
  for (const layer of stack) {
    // A router mounted without a path matches everything (the router short-cuts its matcher too).
    const match = layer.slash ? { path: '' } : layer.matchers.map((m) => m(path)).find((m) => m !== false);
    if (!match) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        // `all()` routes take every method themselves: nothing to refuse there.
        if (on && method !== '_all') found.add(method.toUpperCase());
      }
    } else if (layer.handle.stack) {
      // A mounted router: its routes see the path below the mount point.
      const rest = path.slice(match.path.length) || '/';
      methodsFor(layer.handle.stack, rest, found);
    }
  }
}

export function allowedMethods(app: Express, path: string): string[] {
  const found = new Set<string>();
  methodsFor((app as unknown as { router: { stack: Layer[] } }).router.stack, path, found);
  if (found.has('GET')) found.add('HEAD');
  return [...found].sort();
}

/** Placed after every route: a path some route serves, asked with another method, gets 405 and Allow. */
export function methodNotAllowed(app: Express) {
  return (req: Request, res: Response, next: NextFunction) => {
    const allowed = allowedMethods(app, req.path);
    if (allowed.length === 0) return next();
    res.setHeader('Allow', allowed.join(', '));
    next(new AppError('METHOD_NOT_ALLOWED', `${req.method.slice(0, 20)} is not allowed on ${req.path.slice(0, 100)}; it takes ${allowed.join(', ')}.`));
  };
}
