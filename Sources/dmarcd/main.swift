import App

// Wrapped in an async function: at top level, `await DmarcdCommand.main()` would pick
// ArgumentParser's synchronous entry point, which cannot run async subcommands.
func start() async {
    await DmarcdCommand.main()
}

await start()
