package api

// orgRoutes are the Assign role mode and org structure operations.
func (api *API) orgRoutes() []route { return nil }
