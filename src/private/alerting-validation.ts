import { Token } from 'aws-cdk-lib';
import type { AlertingOptions } from '../alerting';

/** Throws an error naming the prop, where it was given, and the fix. */
export function validateAlerting(options: AlertingOptions, where: string): void {
  if (options.topic && (options.emailAddresses?.length || options.httpsEndpoints?.length)) {
    throw new Error(`${where}: alerting.emailAddresses and alerting.httpsEndpoints subscribe to the topic the aspect creates, but alerting.topic is given. `
      + 'Subscribe them to your topic instead, or drop alerting.topic.');
  }
  options.emailAddresses?.forEach((email, i) => {
    if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw new Error(`${where}: alerting.emailAddresses[${i}] ('${email}') is not an email address. Write it as name@example.com.`);
    }
  });
  options.httpsEndpoints?.forEach((url, i) => {
    if (!Token.isUnresolved(url) && !url.startsWith('https://')) {
      throw new Error(`${where}: alerting.httpsEndpoints[${i}] ('${url}') is not an https:// URL. SNS delivers to HTTPS endpoints only.`);
    }
  });
}
