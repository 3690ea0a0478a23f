import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { RouteDefinition } from '../../layers/http/route';

/** `account` and `staff` routes need a signed-in caller; only `public` ones are open. */
export function needsSignIn(route: Pick<RouteDefinition, 'auth'>): boolean {
  return route.auth !== 'public';
}

/**
 * The authorizer every `account` and `staff` route sits behind: API Gateway checks the Cognito token's
 * signature (the pool's JWKS), issuer (`https://cognito-idp.<region>.amazonaws.com/<pool id>`), audience (the
 * console client's id, which Cognito access tokens carry as `client_id`) and expiry before a function runs,
 * and hands its claims to the handler. Whether the caller is still an active member is for the handler.
 */
export function userPoolAuthorizer(userPool: IUserPool, client: IUserPoolClient): IHttpRouteAuthorizer {
  return new HttpUserPoolAuthorizer('StaffJwt', userPool, {
    userPoolClients: [client],
    identitySource: ['$request.header.Authorization'],
  });
}
