// @palisade/engine: the Calico policy language (model, parsing, validation, selectors), evaluation
// with an explain trace, and compilation to nftables. It depends on nothing but ipaddr.js and yaml
// and uses no Node built-ins, so the console, the gateway, the workflows and the agents all run
// the same code.
export * from './selector/index.js';
export { SelectorParseError } from './errors.js';

export * from './numorstring/index.js';
export { parseIp, parseCidr, cidrContains, isCatchAll, type IpFamily, type ParsedIp, type ParsedCidr } from './net/index.js';

export type { Issue, Path } from './schema/schema.js';
export * from './model/calico.js';
export * from './model/kubernetes.js';
export * from './model/rule.js';
export { KINDS, decodeResource, kindInfo, resourceType, isNamespaced, type Resource, type ResourceType } from './model/resources.js';

export { parseDocuments, MAX_INPUT_CHARACTERS, MAX_DOCUMENTS, type ParseResult, type ParsedDocument, type LocatedError, type ParseOptions, type DocumentErrorCode } from './parse/documents.js';
export { validateDocuments, type DocumentVerdict, type ValidateDocumentsResult } from './validate/documents.js';
export { formatPath, locatePath, type SourcePosition } from './parse/locate.js';
export { validate, validateDecoded, type ValidationResult, type ValidationError } from './validate/resource.js';
export { validateFragment, type FragmentType } from './validate/fragments.js';

export { BUILTIN_TIERS, DEFAULT_TIER, builtinTierResources, compareTiers, type BuiltinTier } from './tiers.js';
export { convertKubernetesNetworkPolicy, KUBERNETES_NETWORK_POLICY_ORDER, type ConvertedNetworkPolicy, type ConversionError } from './k8s/network-policy.js';
export { k8sSelectorToCalico, ORCHESTRATOR_K8S } from './k8s/selectors.js';
export { simplifyPorts } from './k8s/ports.js';
export { convertClusterNetworkPolicy, CNP_TIERS, type ConvertedClusterNetworkPolicy } from './k8s/cluster-network-policy.js';
export * from './labels/special.js';
export { workloadEndpointLabels, networkSetLabels, type WorkloadIdentity } from './labels/effective.js';
export { policyEndpointSelector, entitySelectors, namespaceSelectorNode, serviceAccountSelectorNode, type PolicyScope, type EntitySelectors } from './policy/scope.js';
export { effectiveTypes } from './policy/types.js';
export { fromKubernetesNetworkPolicy, fromClusterNetworkPolicy, ConversionInputError } from './validate/from-kubernetes.js';

export { buildSnapshot, ClusterState } from './calc/cluster-state.js';
export { keyOf, type SnapshotInput, type Change, type ResourceKey } from './calc/inputs.js';
export { DEFAULT_FELIX } from './calc/felix.js';
export type { Affected, MemberChange } from './snapshot/affected.js';
export type * from './snapshot/types.js';
export type { Snapshot } from './eval/snapshot.js';
export type { SnapshotIndexes } from './labelindex/indexes.js';
export { evaluateFlow, describe as describeDecision, type FlowSpec, type FlowResult, type FlowVerdict, type EvaluateOptions } from './eval/flow.js';
export type { ChainResult, Decision, TraceStep, Direction, Stage } from './eval/chain.js';
export { resolvePeer, uplinkHostEndpoint, FlowError, type Peer } from './eval/peers.js';
export { ruleMismatch, type Packet } from './eval/match.js';
export { simulate, simulateProbe, parseProbes, parseProbe, ProbeError, type Probe, type ProbeResult, type VerdictSummary } from './eval/simulate.js';
export {
  localEndpoints,
  workloadInterface,
  normalizeCidrs,
  type NodeIR,
  type EndpointIR,
  type PolicyChainIR,
  type RuleIR,
  type MatchIR,
  type IpSetIR,
  type TupleSetIR,
  type TierIR,
  type StageIR,
} from './compile/ir.js';
export { compileNode, NodeCompiler } from './compile/node-compiler.js';
export { applyIrDiff, diffIr, isEmptyDiff, type IrDiff } from './compile/ir-diff.js';
export { CidrSet, TupleSet, type MemberChanges, type Tuple } from './compile/member-sets.js';
export { renderNftables, renderNftablesUpdate, describeCounter, ruleComment, MARK, TABLE, type CounterRef, type RenderOptions } from './compile/nftables.js';
export { FlowDecisions, FLOW_SETS, MAX_FLOW_DECISIONS } from './compile/nftables-flows.js';
export { effectivePolicy, describeRule, type EffectivePolicy, type EffectiveTier, type EffectivePolicyEntry, type EffectiveRule } from './eval/effective.js';
export { previewImpact, type ImpactReport, type SelectionChange, type FlowVerdictChange } from './impact/preview.js';
export { AllPairs, type AllPairsOptions, type NamespacePairSummary } from './connectivity/all-pairs.js';
export { endpointClasses, type EndpointClasses } from './connectivity/classes.js';
export { ALL_PORTS, formatRange, parsePortList, PortListError, type PortRange, type PortUniverse } from './connectivity/ports.js';
