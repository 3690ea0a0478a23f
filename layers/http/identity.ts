import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from '../validation/z';
import { UnauthorizedError } from './errors';

/**
 * Claims as API Gateway's JWT authorizer hands them over: every value a string. The authorizer (or, locally,
 * the gateway acting as it) has already checked signature, issuer, audience and expiry; this is the only
 * place a handler learns who is calling. Never take identity from the body, path or query.
 */
const AuthorizerClaims = z.looseObject({
  sub: z.string().check(z.minLength(1)),
  // API Gateway accepts any token whose audience is the client, and an ID token's is: only access tokens
  // may call the API (an ID token's email is not necessarily verified, and it is not meant for APIs).
  token_use: z.literal('access'),
  email: z.optional(z.string()),
  practice_id: z.optional(z.string()),
  role: z.optional(z.string()),
});

export interface CallerIdentity {
  subject: string;
  email?: string;
  /** Hints from the token; whether they still hold is checked against the staff record. */
  practiceId?: string;
  role?: string;
}

export function identityFromAuthorizer(event: APIGatewayProxyEventV2WithJWTAuthorizer): CallerIdentity {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  const parsed = AuthorizerClaims.safeParse(claims ?? {});
  if (!parsed.success) throw new UnauthorizedError();
  const { sub, email, practice_id, role } = parsed.data;
  return {
    subject: sub,
    ...(email ? { email } : {}),
    ...(practice_id ? { practiceId: practice_id } : {}),
    ...(role ? { role } : {}),
  };
}
