package classify
import ("testing";"fmt";"os";"context")
func TestTmpTry(t *testing.T){
  rd := func(p string) []Example { f,_ := os.Open(p); defer f.Close(); ex,_ := ReadExamples(f); return ex }
  type cf struct{ name string; f func(*Config) }
  cfgs := []cf{
   {"base", func(c *Config){}},
   {"avg", func(c *Config){c.Average=true}},
   {"avg-r4", func(c *Config){c.Average=true; c.Rate=4}},
  }
  sets := []string{"kefu","sofr","curer","b77r"}
  for _, c := range cfgs {
    cfg := DefaultConfig(); cfg.RejectRate = 0; cfg.HoldOut = 0; c.f(&cfg)
    fmt.Printf("%-8s", c.name)
    for _, s := range sets {
      tr, dv := rd("/tmp/nlut/"+s+".train"), rd("/tmp/nlut/"+s+".dev")
      m, _ := Train(context.Background(), tr, nil, cfg, nil)
      met := Evaluate(m, dv)
      fmt.Printf(" %s=%.4f", s, met.Accuracy)
    }
    fmt.Println()
  }
}
