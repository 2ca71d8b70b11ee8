package auth

// Role is a staff role. Customers are not users: they reach kefu through the widget with a
// visitor token or a shop-signed identity.
type Role string

const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleAgent      Role = "agent"
)

// Roles lists every role, least privileged first.
var Roles = []Role{RoleAgent, RoleSupervisor, RoleAdmin}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if string(x) == r {
			return true
		}
	}
	return false
}

// Permission names one capability, checked on every route ("resource:action").
type Permission string

const (
	PermCustomersRead   Permission = "customers:read"
	PermCustomersWrite  Permission = "customers:write"
	PermCustomersErase  Permission = "customers:erase"
	PermProductsRead    Permission = "products:read"
	PermProductsWrite   Permission = "products:write"
	PermOrdersRead      Permission = "orders:read"
	PermOrdersWrite     Permission = "orders:write"
	PermConversations   Permission = "conversations:read"
	PermConversationsW  Permission = "conversations:write"
	PermTicketsRead     Permission = "tickets:read"
	PermTicketsWrite    Permission = "tickets:write"
	PermAftersalesRead  Permission = "aftersales:read"
	PermAftersalesWrite Permission = "aftersales:write"
	PermKBRead          Permission = "kb:read"
	PermKBWrite         Permission = "kb:write"
	PermReportsRead     Permission = "reports:read"
	PermUsersRead       Permission = "users:read"
	PermUsersWrite      Permission = "users:write"
	PermSettingsWrite   Permission = "settings:write"
	// PermPoliciesWrite edits the service rules supervisors run day to day: after-sales
	// policies, SLA policies, business hours and priority rules (settings:write stays admin-only).
	PermPoliciesWrite Permission = "policies:write"
	PermAuditRead     Permission = "audit:read"
	PermNLUTrain      Permission = "nlu:train"
)

// grants is the permission matrix. Agents work conversations, tickets and cases; supervisors
// also curate knowledge, see reports and team data and tune the service policies; admins
// configure everything.
var grants = map[Role][]Permission{
	RoleAgent: {
		PermCustomersRead, PermProductsRead, PermOrdersRead, PermConversations, PermConversationsW,
		PermTicketsRead, PermTicketsWrite, PermAftersalesRead, PermAftersalesWrite, PermKBRead, PermUsersRead,
	},
	RoleSupervisor: {
		PermCustomersRead, PermCustomersWrite, PermProductsRead, PermOrdersRead, PermConversations, PermConversationsW,
		PermTicketsRead, PermTicketsWrite, PermAftersalesRead, PermAftersalesWrite, PermKBRead, PermKBWrite,
		PermReportsRead, PermUsersRead, PermAuditRead, PermNLUTrain, PermPoliciesWrite,
	},
	RoleAdmin: {
		PermCustomersRead, PermCustomersWrite, PermCustomersErase, PermProductsRead, PermProductsWrite,
		PermOrdersRead, PermOrdersWrite, PermConversations, PermConversationsW, PermTicketsRead, PermTicketsWrite,
		PermAftersalesRead, PermAftersalesWrite, PermKBRead, PermKBWrite, PermReportsRead, PermUsersRead,
		PermUsersWrite, PermSettingsWrite, PermPoliciesWrite, PermAuditRead, PermNLUTrain,
	},
}

// Can reports whether role r holds permission p.
func Can(r Role, p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}
