/**
 * A deterministic generator of an AKS (Istio add-on) mesh's istio-proxy node log files, with the exact truth of
 * what it wrote: the oracle for the demo, the integration tests and the benchmarks. It shares no code with the
 * meshpulse parser on purpose.
 *
 * <p>Entry point: {@link io.meshpulse.sim.MeshSimulator#generate}. Meshes: {@link io.meshpulse.sim.MeshSpec#aksShop()},
 * {@link io.meshpulse.sim.MeshSpec#synthetic}. Failures: {@link io.meshpulse.sim.Incident}. Knobs:
 * {@link io.meshpulse.sim.SimConfig}.
 *
 * <h2>truth.json</h2>
 * {@code lines} = physical lines in istio-proxy files (all restarts, rotations, gz) = {@code accessLogLines} +
 * {@code otherLines}. Each access-log line is counted in exactly one pair:
 * <ul>
 * <li>reporter {@code destination}: a non-gateway pod's lines whose cluster starts with {@code inbound|} or whose
 *   details are {@code filter_chain_not_found}. destination = {pod namespace, FQDN from the SNI
 *   {@code outbound_.P_.SUBSET_.FQDN}, else the authority host (a host without a dot becomes
 *   {@code host.<pod ns>.svc.cluster.local}), else the one service the same pod's inbound lines named on the same
 *   port before the end of the line's 10 s window (lines with NR and services of other namespaces teach nothing),
 *   else null; the pod's workload}. source = the caller pod's
 *   {namespace, workload} when it has a proxy that wrote access lines, else {null, caller IP}.</li>
 * <li>reporter {@code source}: every other line (sidecar outbound, all gateway lines). source = {pod namespace,
 *   workload}. With an {@code outbound|P|S|FQDN} cluster: destination = {namespace of FQDN, FQDN, workload of the
 *   pod owning the upstream host IP if it has a proxy that wrote access lines, else null}. Otherwise
 *   (Passthrough/BlackHole/no cluster): {null, authority host (short name → FQDN in the pod's namespace, and then
 *   that namespace), else SNI, else upstream host IP, else downstream local IP, null}.</li>
 * </ul>
 * Class per line: EGRESS_BLOCKED (route {@code block_all} or cluster {@code BlackHoleCluster}); RBAC (403 with
 * details {@code rbac_access_denied…}, or termination details {@code rbac_access_denied…}); else the first flag
 * in the order UF UC UH UT UO NR NC LR UR UPE UMSDR DT DF DO UDO OM LH UAEX RL RLSE FI DC DR DPE SI IH NFCF RFCF
 * URX DI; else APP_5XX / APP_4XX by code; else NONE (not listed in byClass).
 */
package io.meshpulse.sim;
