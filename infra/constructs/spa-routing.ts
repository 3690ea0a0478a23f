import { Function as CloudFrontFunction, FunctionCode, FunctionRuntime } from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/**
 * Viewer-request code (cloudfront-js-2.0): a path whose last segment has no extension is a page of one of
 * the two apps, so it is served that app's index.html and the app's router takes over. `/join`, `/join/...`
 * and the invite links `/j/<token>` belong to the patient page, everything else to the console. Files (`/assets/x.js`,
 * `/config.json`) pass through untouched, and a missing one stays a 403/404 rather than becoming HTML.
 */
export const SPA_ROUTING_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    var patient = uri === '/join' || uri.indexOf('/join/') === 0 || uri.indexOf('/j/') === 0;
    request.uri = patient ? '/join/index.html' : '/index.html';
  }
  return request;
}`;

export class SpaRouting extends Construct {
  readonly function: CloudFrontFunction;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.function = new CloudFrontFunction(this, 'Function', {
      comment: 'Extension-less paths to the console or join page index.html',
      code: FunctionCode.fromInline(SPA_ROUTING_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
  }
}
