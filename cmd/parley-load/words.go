package main

import (
	"math/rand/v2"
	"strings"
)

// words is a small vocabulary of common chat English for synthetic message content.
var words = strings.Fields(`the be to of and a in that have i it for not on with he as you do at this but his by
from they we say her she or an will my one all would there their what so up out if about who get which go me
when make can like time no just him know take people into year your good some could them see other than then
now look only come its over think also back after use two how our work first well way even new want because
any these give day most us is was are been has had were said did got lol yeah ok okay thanks please sorry
game play server channel message bot discord voice call stream music song video link check post meme pog gg
tomorrow tonight today later soon weekend morning build deploy bug fix test merge branch commit release version
update patch config error crash log issue docs api token rate limit cache queue shard guild role member invite
emoji react thread pin mute ban kick welcome hello hey hi bye night lunch coffee pizza team project meeting
really actually maybe probably definitely literally pretty very much more less never always again still yet
anyone someone everyone nobody something anything nothing everything here where why whatever great nice cool
awesome weird funny crazy hard easy fast slow big small long short old right wrong true false sure cannot dont
im youre thats its isnt wasnt didnt doesnt wont cant should must might need let try help ask tell show find`)

// sentence returns chat-like text of roughly min..max characters.
func sentence(r *rand.Rand, minLen, maxLen int) string {
	target := minLen + r.IntN(maxLen-minLen+1)
	var b strings.Builder
	first := true
	for b.Len() < target {
		w := words[r.IntN(len(words))]
		if first {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		first = false
		switch x := r.IntN(40); {
		case x == 0:
			b.WriteString(".")
			first = true
		case x == 1:
			b.WriteString(",")
		case x == 2:
			b.WriteString("!")
		case x == 3:
			b.WriteString(" :)")
		}
	}
	s := b.String()
	if len(s) > maxLen {
		s = strings.TrimSpace(s[:maxLen])
	}
	return s
}
