import ModelServer

// Wire and ModelServer both name a type `ModelVersionStatus` (the wire message
// and the repository's record). This file imports only ModelServer, so the
// names below are unambiguous; the dispatcher files, which import both
// modules, use these aliases for the repository's types.
typealias ServerVersionStatus = ModelVersionStatus
typealias ServerVersionState = ModelVersionState
