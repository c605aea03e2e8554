/**
 * `roger <command>`: dispatches to a command module, imported only when chosen so that each command
 * loads just what it uses (start-up time is part of every CLI build).
 */
const USAGE = `usage:
  roger serve [--config FILE] [--port N]
  roger build REPO [--branch B] [--config FILE] [--nocache]
  roger validate [FILE]
  roger agent --config FILE
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'build':
      return (await import('./build.js')).buildCommand(rest, process.stdout, process.stderr);
    case 'validate':
      return (await import('./validate.js')).validateCommand(rest, process.stdout, process.stderr);
    case 'serve':
      return (await import('./serve.js')).serveCommand(rest);
    case 'agent':
      return (await import('./agent.js')).agentCommand(rest);
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(command ? `roger: unknown command "${command}"\n${USAGE}` : USAGE);
      return 2;
  }
}
