import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { RouteDefinition } from '../../layers/http/route';

/** Who issues staff tokens. Today from stage config; the identity work swaps in its Cognito user pool here. */
export interface StaffTokenIssuer {
  issuer: string;
  audience: readonly string[];
}

export class MissingStaffIssuerError extends Error {
  override readonly name = 'MissingStaffIssuerError';
}

/**
 * The authorizer every `staff` route sits behind: API Gateway checks the token's signature, issuer, audience
 * and expiry before a function runs, and hands its claims to the handler. Without staff routes there is
 * nothing to authorize; with them, deploying without an issuer would leave them open, so synth stops.
 */
export function staffAuthorizer(
  routes: readonly RouteDefinition[],
  issuer: StaffTokenIssuer | undefined,
): IHttpRouteAuthorizer | undefined {
  const staffRoutes = routes.filter((route) => route.auth === 'staff');
  if (staffRoutes.length === 0) return undefined;
  if (!issuer) {
    throw new MissingStaffIssuerError(
      `Staff routes (${staffRoutes.map((route) => route.id).join(', ')}) need a JWT authorizer, but no token ` +
        'issuer is configured. Pass -c jwtIssuer=https://<issuer> -c jwtAudience=<client id>[,<client id>] ' +
        '(or set them in cdk.json context).',
    );
  }
  return new HttpJwtAuthorizer('StaffJwt', issuer.issuer, {
    jwtAudience: [...issuer.audience],
    identitySource: ['$request.header.Authorization'],
  });
}
