package api

// accessRoutes are the capability, contacts and orphan operations.
func (api *API) accessRoutes() []route { return nil }
