/**
 * The RPC methods, with Kamailio's names and result fields: `tls.*` from the tls module, `cfg.*`
 * for the module parameters (group `tls`) as Kamailio's cfg_rpc serves them, and `system.*`.
 */
import { RpcFault } from './errors';
import type { RpcHost } from './host';
import type { MethodTable, RpcMethod } from './protocol';
import type { RpcParams } from './params';

/** The cfg groups whose variables are ours: the module's and the core TCP settings it uses. */
const CFG_GROUPS = ['tls', 'tcp'];

function cfgName(params: RpcParams): [string, string] {
  const group = params.string(0);
  if (!CFG_GROUPS.includes(group)) {
    throw new RpcFault(400, `Unknown configuration group '${group}' (groups: ${CFG_GROUPS.join(', ')})`);
  }
  return [group, params.string(1)];
}

/** Runs `task`s one after another, so overlapping `tls.reload` calls never interleave. */
function serialized<T>(): (task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Builds the method table over `host`. */
export function createMethods(host: RpcHost): MethodTable {
  const inOrder = serialized<string>();
  const table = new Map<string, RpcMethod>();
  const add = (name: string, method: RpcMethod): void => { table.set(name, method); };

  add('tls.info', { params: [], help: 'Summary of TLS usage', run: () => host.info() });
  add('tls.list', { params: [], help: 'List the TLS connections', run: () => host.list() });
  add('tls.options', { params: [], help: 'Current values of the module parameters', run: () => host.options() });
  add('tls.reload', {
    params: [],
    help: 'Reload the TLS configuration file or directory (module parameter "config")',
    run: () => inOrder(() => host.reload()),
  });
  add('tls.kill', {
    params: ['id'],
    help: 'Close the TLS connection with the given id',
    run: (p) => {
      if (!host.kill(p.int(0))) throw new RpcFault(500, 'TLS connection id not found');
      return 'OK';
    },
  });

  add('cfg.get', {
    params: ['group', 'name'],
    help: 'Value of a module parameter: cfg.get tls NAME',
    run: (p) => host.cfgGet(...cfgName(p)),
  });
  const setInt: RpcMethod = {
    params: ['group', 'name', 'value'],
    help: 'Set an integer module parameter now: cfg.set_now_int tls NAME VALUE',
    run: (p) => { const [group, name] = cfgName(p); host.cfgSet(group, name, p.int(2)); return null; },
  };
  const setString: RpcMethod = {
    params: ['group', 'name', 'value'],
    help: 'Set a string module parameter now: cfg.set_now_string tls NAME VALUE',
    run: (p) => { const [group, name] = cfgName(p); host.cfgSet(group, name, p.string(2)); return null; },
  };
  const setAny: RpcMethod = {
    params: ['group', 'name', 'value'],
    help: 'Set a module parameter now, typed by the JSON value: cfg.set tls NAME VALUE',
    run: (p) => { const [group, name] = cfgName(p); host.cfgSet(group, name, p.scalar(2)); return null; },
  };
  add('cfg.set_now_int', setInt);
  add('cfg.seti', setInt);
  add('cfg.set_now_string', setString);
  add('cfg.sets', setString);
  add('cfg.set', setAny);

  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') {
    add('system.gc', {
      params: [],
      help: 'Run the garbage collector (node --expose-gc only) and give process.memoryUsage(), bytes',
      run: () => { gc(); return process.memoryUsage(); },
    });
  }
  add('system.listMethods', {
    params: [],
    help: 'Names of all methods',
    run: () => [...table.keys()].sort(),
  });
  add('system.methodHelp', {
    params: ['method'],
    help: 'One line of help for a method',
    run: (p) => {
      const name = p.string(0);
      const method = table.get(name);
      if (!method) throw new RpcFault(500, `No such method: ${name}`);
      return method.help;
    },
  });
  return table;
}
