import SwerveBenchCore

// All logic lives in SwerveBenchCore so the tests can drive it.
SwerveBenchCommand.main()
