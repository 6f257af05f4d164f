import { Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

/**
 * The functions of an app that run on Lambda@Edge, where environment variables
 * and layers are not allowed: those of a `cloudfront.experimental.EdgeFunction`
 * (wherever CDK put them), and those whose versions a CloudFront distribution
 * associates as edge lambdas. Found in one walk of the app.
 */
export function findEdgeFunctions(root: IConstruct): Set<IConstruct> {
  const edge = new Set<IConstruct>();
  const versionsByStack = new Map<Stack, Map<string, IConstruct>>();
  const distributions: cloudfront.CfnDistribution[] = [];

  for (const construct of root.node.findAll()) {
    if (construct instanceof cloudfront.experimental.EdgeFunction) {
      edge.add(construct.lambda);
    } else if (construct instanceof lambda.Version) {
      const stack = Stack.of(construct);
      const byId = versionsByStack.get(stack) ?? new Map<string, IConstruct>();
      byId.set(stack.resolve(stack.getLogicalId(construct.node.defaultChild as lambda.CfnVersion)), construct.lambda);
      versionsByStack.set(stack, byId);
    } else if (construct instanceof cloudfront.CfnDistribution) {
      distributions.push(construct);
    }
  }

  for (const distribution of distributions) {
    const stack = Stack.of(distribution);
    const versions = versionsByStack.get(stack);
    if (!versions) continue;
    for (const ref of associatedRefs(stack, distribution)) {
      // currentVersion's logical id gets a hash of the function appended when the app is prepared,
      // which may be before or after this runs.
      for (const [logicalId, fn] of versions) {
        if (ref === logicalId || ref.startsWith(logicalId)) edge.add(fn);
      }
    }
  }
  return edge;
}

// The logical ids that the distribution's LambdaFunctionAssociations point at.
function associatedRefs(stack: Stack, distribution: cloudfront.CfnDistribution): string[] {
  let config: unknown;
  try {
    config = stack.resolve(distribution.distributionConfig);
  } catch {
    // A Lambda@Edge function with environment variables already fails here; CDK reports it itself.
    return [];
  }
  const refs: string[] = [];
  const visit = (value: unknown, inAssociation: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach(v => visit(v, inAssociation));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (inAssociation && key === 'Ref' && typeof inner === 'string') refs.push(inner);
        visit(inner, inAssociation || key === 'lambdaFunctionAssociations' || key === 'LambdaFunctionAssociations');
      }
    }
  };
  visit(config, false);
  return refs;
}
