package usecase

import "reportline"

// Actor is who is calling, and through which way in.
type Actor struct {
	User   reportline.User
	Source reportline.Source // ui, api, cli… recorded on links and in the audit log
	System bool              // the service itself (demo loader, directory sync): allowed everything
	SCIM   bool              // a provisioning client on /scim/v2: only the policy's provisioning rows
	// Label names a system actor in the records it leaves (an import's
	// history): "system (os user root)" for the CLI run without --as.
	Label string
}

// SCIMActor is a provisioning client acting through /scim/v2.
func SCIMActor() Actor { return Actor{Source: reportline.SourceSCIM, SCIM: true} }

// SystemActor is the service acting on its own behalf.
func SystemActor(source reportline.Source) Actor { return Actor{Source: source, System: true} }

// OperatorActor is the system acting for the operator who runs a command
// (the CLI without --as): allowed everything, and recorded as
// "system (os user NAME)".
func OperatorActor(source reportline.Source, osUser string) Actor {
	if osUser == "" {
		osUser = "unknown"
	}
	return Actor{Source: source, System: true, Label: "system (os user " + osUser + ")"}
}

// UserActor is a signed-in user acting through a way in.
func UserActor(u reportline.User, source reportline.Source) Actor {
	return Actor{User: u, Source: source}
}

// ID returns the acting user's id, 0 for the system.
func (ac Actor) ID() reportline.UserID {
	if ac.System {
		return 0
	}
	return ac.User.ID
}
