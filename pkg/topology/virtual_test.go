package topology

import (
	"maps"
	"strings"
	"testing"
)

func TestResolveVirtual(t *testing.T) {
	// The PetShop call graph's shape (AWS X-Ray): the front end calls each service both
	// directly and through the load balancer in front of it, which X-Ray shows as a
	// "remote" node named after the balancer's host.
	petshop := []Edge{
		{"PetSite", "PetSearch_AWS::ECS::Fargate"},
		{"PetSite", "petlistadoptions_AWS::ECS::Fargate"},
		{"PetSite", "SimpleNotificationService_AWS::SimpleNotificationService"},
		{"PetSite", "https://sqs.us-west-2.amazonaws.com/Services-sqspetadoption_AWS::SQS::Queue"},
		{"PetSite", "servi-searc.us-west-2.elb.amazonaws.com_remote"},
		{"PetSite", "servi-lista.us-west-2.elb.amazonaws.com_remote"},
		{"PetSite", "servi-petsi.us-west-2.elb.amazonaws.com_remote"},
		{"petlistadoptions_AWS::ECS::Fargate", "Servi-searc.us-west-2.elb.amazonaws.com_remote"},
		{"petlistadoptions_AWS::ECS::Fargate", "PetSearch_AWS::ECS::Fargate"},
		{"petlistadoptions_AWS::ECS::Fargate", "PGSQL Query_remote"},
		{"payforadoption_AWS::ECS::Container", "amazon.com_remote"},
		{"payforadoption_AWS::ECS::Container", "adoptions@services-database.us-west-2.rds.amazonaws.com_Database::SQL"},
		{"PetSearch_AWS::ECS::Fargate", "169.254.170.2_remote"},
	}
	remote := func(s string) bool { return strings.HasSuffix(s, "_remote") }
	tests := []struct {
		name    string
		edges   []Edge
		virtual func(string) bool
		want    map[string]string
	}{
		{
			name: "petshop", edges: petshop, virtual: remote,
			want: map[string]string{
				// "servi" is in every balancer's name and in SimpleNotificationService:
				// the rarer fragment decides.
				"servi-searc.us-west-2.elb.amazonaws.com_remote": "PetSearch_AWS::ECS::Fargate",
				"Servi-searc.us-west-2.elb.amazonaws.com_remote": "PetSearch_AWS::ECS::Fargate",
				"servi-lista.us-west-2.elb.amazonaws.com_remote": "petlistadoptions_AWS::ECS::Fargate",
				// A caller's own balancer is the caller.
				"servi-petsi.us-west-2.elb.amazonaws.com_remote": "PetSite",
				// amazon.com is not the database whose domain is amazonaws.com, the query
				// and the address name nothing near them: peers in their own right.
			},
		},
		{
			name:    "nothing virtual",
			edges:   petshop,
			virtual: func(string) bool { return false },
			want:    map[string]string{},
		},
		{
			name:    "a tie resolves nothing",
			edges:   []Edge{{"web", "cart-api"}, {"web", "cart-worker"}, {"web", "cart.internal"}},
			virtual: func(s string) bool { return s == "cart.internal" },
			want:    map[string]string{},
		},
		{
			name:    "only services near the peer",
			edges:   []Edge{{"web", "orders-lb.prod"}, {"batch", "orders"}},
			virtual: func(s string) bool { return s == "orders-lb.prod" },
			want:    map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolveVirtual(tt.edges, tt.virtual)
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}
