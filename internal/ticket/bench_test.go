package ticket

import "testing"

func BenchmarkComputePriority(b *testing.B) {
	in := Input{Category: CategoryQuality, Intent: "damaged_item", SentimentScore: -0.7, Anger: true, Tier: "vip", OrderValue: 129_900}
	for b.Loop() {
		ComputePriority(in)
	}
}

func BenchmarkAssign(b *testing.B) {
	var teams []TeamSnapshot
	for t := int64(1); t <= 10; t++ {
		team := TeamSnapshot{ID: t, Strategy: SkillsMatch, Categories: []Category{Categories[t%12]}}
		for a := int64(0); a < 20; a++ {
			team.Agents = append(team.Agents, AgentLoad{ID: t*100 + a, Status: AgentOnline, Capacity: 10, Open: int(a % 7), Languages: []string{"zh"}})
		}
		teams = append(teams, team)
	}
	req := Request{Category: CategoryRefund, Language: "zh", Tier: "gold"}
	for b.Loop() {
		Assign(req, teams)
	}
}
