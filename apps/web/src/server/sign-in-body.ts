import 'server-only';
import { z } from 'zod';
import { ApiError, parseBody } from './http';

const credentials = z.object({
  email: z.string().trim().min(1, 'Enter your e-mail.').max(320),
  password: z.string().min(1, 'Enter your password.').max(200),
});

export type Credentials = z.infer<typeof credentials>;

/**
 * The e-mail and password of a sign-in, from a JSON or a form body. The sign-in limit counts this
 * e-mail and Better Auth is handed exactly these fields, so no encoding can slip past the count.
 */
export async function readSignInBody(request: Request): Promise<Credentials> {
  const type = request.headers.get('content-type') ?? '';
  if (/^application\/json\b/i.test(type)) {
    const body: unknown = await request.json().catch(() => {
      throw new ApiError(400, 'The request body is not valid JSON.');
    });
    return parseBody(body, credentials);
  }
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    const form = await request.formData().catch(() => {
      throw new ApiError(400, 'The form in the request body could not be read.');
    });
    return parseBody(Object.fromEntries(form), credentials);
  }
  throw new ApiError(
    415,
    `Send the e-mail and password as JSON (Content-Type: application/json); this request's body is ${type || 'untyped'}.`,
  );
}
