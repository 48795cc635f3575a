/**
 * The compiler, rules → per-arch resolved rules → seccomp-bpf program, one
 * file per level:
 *
 * - ./resolve.ts: names, constants and runtime values to numbers
 *   ({@link resolveRules}, {@link constantOf}, {@link evalValue});
 * - ./simplify.ts: the fewest rules deciding each syscall the same way;
 * - ./codegen.ts: the program ({@link compileFilter}) and its shape.
 *
 * This module re-exports their public names, so `./compile.js` stays the one
 * import for the compiler.
 */
export {
  actionValue, constantOf, evalValue, resolveRules,
  type Resolution, type ResolvedCondition, type ResolvedRule, type RuntimeValues,
} from './resolve.js';
export { chainProgram, compileFilter, type CompileOptions, type CompiledFilter } from './codegen.js';
