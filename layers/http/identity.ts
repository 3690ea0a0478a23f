import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { z } from 'zod';
import { UnauthorizedError } from './errors';

/**
 * Claims as API Gateway's JWT authorizer hands them over: every value a string. The authorizer (or, locally,
 * the gateway acting as it) has already checked signature, issuer, audience and expiry; this is the only
 * place a handler learns who is calling. Never take identity from the body, path or query.
 */
const AuthorizerClaims = z.looseObject({
  sub: z.string().min(1),
  email: z.string().optional(),
  practice_id: z.string().optional(),
  role: z.string().optional(),
});

export interface CallerIdentity {
  subject: string;
  email?: string;
  /** Hints from the token; whether they still hold is checked against the staff record (identity issue). */
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
