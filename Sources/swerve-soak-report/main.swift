SoakReportCommand.main()
