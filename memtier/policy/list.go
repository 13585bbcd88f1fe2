package policy

// nilID marks the end of an intrusive list.
const nilID = ^ID(0)

// link is one entry's place in an intrusive doubly linked list.
type link struct{ prev, next ID }

// list is an intrusive doubly linked list over ids whose links live in a
// shared slice (owned by the policy), most recent at the head.
type list struct {
	head, tail ID
	len        int
}

func newList() list { return list{head: nilID, tail: nilID} }

func (l *list) pushFront(links []link, id ID) {
	links[id] = link{prev: nilID, next: l.head}
	if l.head != nilID {
		links[l.head].prev = id
	} else {
		l.tail = id
	}
	l.head = id
	l.len++
}

func (l *list) remove(links []link, id ID) {
	lk := links[id]
	if lk.prev != nilID {
		links[lk.prev].next = lk.next
	} else {
		l.head = lk.next
	}
	if lk.next != nilID {
		links[lk.next].prev = lk.prev
	} else {
		l.tail = lk.prev
	}
	links[id] = link{prev: nilID, next: nilID}
	l.len--
}

func (l *list) moveToFront(links []link, id ID) {
	if l.head == id {
		return
	}
	l.remove(links, id)
	l.pushFront(links, id)
}
