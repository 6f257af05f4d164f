import { Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

// cloudfront.CfnDistribution.CFN_RESOURCE_TYPE_NAME, without loading the module that defines it.
const DISTRIBUTION_TYPE = 'AWS::CloudFront::Distribution';

/**
 * The functions of an app that run on Lambda@Edge, where environment variables
 * and layers are not allowed: those of a `cloudfront.experimental.EdgeFunction`
 * (wherever CDK put them), and those whose versions a CloudFront distribution
 * associates as edge lambdas. Found in one walk of the app (two if it has distributions).
 */
export function findEdgeFunctions(root: IConstruct): Set<IConstruct> {
  const edge = new Set<IConstruct>();
  const distributions: cloudfront.CfnDistribution[] = [];
  const constructs = root.node.findAll();

  for (const construct of constructs) {
    if (isEdgeFunction(construct)) {
      edge.add(construct.lambda);
    } else if (isDistribution(construct)) {
      distributions.push(construct);
    }
  }
  if (distributions.length === 0) return edge;

  const versionsByStack = new Map<Stack, Map<string, IConstruct>>();
  const Version = lambda.Version; // read once: see isEdgeFunction
  for (const construct of constructs) {
    if (!(construct instanceof Version)) continue;
    const stack = Stack.of(construct);
    const byId = versionsByStack.get(stack) ?? new Map<string, IConstruct>();
    byId.set(stack.resolve(stack.getLogicalId(construct.node.defaultChild as lambda.CfnVersion)), construct.lambda);
    versionsByStack.set(stack, byId);
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

// aws-cdk-lib's exports are getters that call require() on every read, and
// reading cloudfront's loads its modules; so every construct of the app first
// meets a plain property test. Every EdgeFunction has edgeArn (it implements
// lambda.IVersion), and `in` runs no getter.
function isEdgeFunction(construct: IConstruct): construct is cloudfront.experimental.EdgeFunction {
  return 'edgeArn' in construct && construct instanceof cloudfront.experimental.EdgeFunction;
}

function isDistribution(construct: IConstruct): construct is cloudfront.CfnDistribution {
  return (construct as { cfnResourceType?: string }).cfnResourceType === DISTRIBUTION_TYPE
    && construct instanceof cloudfront.CfnDistribution;
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
