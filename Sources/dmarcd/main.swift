import App

await DmarcdCommand.main()
